package detectors

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"pricewatch/conf"
)

// Config is the `detectors:` section of the job config: one section per
// detector (Params) and optional instrument groups that tune them for some
// instruments. A section left out keeps the defaults of DefaultConfig, so
// decode YAML into DefaultConfig() rather than into a zero Config.
type Config struct {
	Params `yaml:",inline"`
	// Groups tune the detectors for groups of instruments, named by id or
	// id prefix; an instrument takes the Params of the first group that
	// matches it, and the top-level ones when none does. See Group.
	Groups []Group `yaml:"groups,omitempty"`
}

// Params are the settings of every detector, one section each.
type Params struct {
	Jump         JumpConfig         `yaml:"jump"`
	ZScore       ZScoreConfig       `yaml:"zscore"`
	LimitBand    LimitBandConfig    `yaml:"limit_band"`
	VI           VIConfig           `yaml:"volatility_interruption"`
	Sequence     SequenceConfig     `yaml:"sequence"`
	Invalid      InvalidConfig      `yaml:"invalid"`
	EWMA         EWMAConfig         `yaml:"ewma"`
	Stale        StaleConfig        `yaml:"stale"`
	CUSUM        CUSUMConfig        `yaml:"cusum"`
	PageHinkley  PageHinkleyConfig  `yaml:"page_hinkley"`
	MAD          MADConfig          `yaml:"mad"`
	Burst        BurstConfig        `yaml:"burst"`
	CrossSection CrossSectionConfig `yaml:"cross_section"`
	Ensemble     EnsembleConfig     `yaml:"ensemble"`
}

// Group is a group of instruments with its own detector settings, e.g.
//
//	groups:
//	  - name: kosdaq
//	    prefixes: ["9"]
//	    ids: ["035720"]
//	    jump: {threshold: 0.1}
//	    limit_band: {cooldown: 100}
//
// In YAML a group's sections start from the top-level ones (whatever their
// place in the file) and the keys given override them, so the Params of a
// decoded group are complete; built in Go, start them from a copy of the
// top-level Params (see Config.AddGroup). A group may change any setting
// but the attribute lists, limit_band.base_attribute, ensemble.members and
// ensemble.combine, which are the lane's. A group can turn a detector on or
// off for its instruments: a detector runs in a lane when it is enabled at
// the top level or in some group.
type Group struct {
	// Name names the group in errors; required and unique.
	Name string `yaml:"name"`
	// Prefixes match instrument ids that start with one of them.
	Prefixes []string `yaml:"prefixes,omitempty"`
	// IDs match these instrument ids exactly.
	IDs    []string `yaml:"ids,omitempty"`
	Params `yaml:",inline"`

	node *groupNode // the group's YAML while Config.UnmarshalYAML runs
}

// DefaultConfig returns the defaults of every detector. Enabled by default:
// jump, zscore, limit_band, sequence and invalid.
func DefaultConfig() Config {
	return Config{Params: Params{
		Jump: JumpConfig{
			Enabled:    true,
			Attributes: []string{"price"},
			Threshold:  0.05,
		},
		ZScore: ZScoreConfig{
			Enabled:       true,
			Attributes:    []string{"price"},
			Change:        "log",
			Window:        100,
			Threshold:     7,
			MinEvents:     30,
			MinStddev:     1e-4,
			MinStddevMove: 1,
		},
		LimitBand: LimitBandConfig{
			Enabled:       true,
			Attributes:    []string{"price"},
			BaseAttribute: "base_price",
			Band:          0.30,
		},
		VI: VIConfig{
			Attributes:    []string{"price"},
			BaseAttribute: "base_price",
			DynamicBand:   0.03,
			StaticBand:    0.10,
		},
		Sequence: SequenceConfig{Enabled: true},
		Invalid: InvalidConfig{
			Enabled:    true,
			Attributes: []string{"price"},
		},
		EWMA: EWMAConfig{
			Attributes:    []string{"price"},
			Change:        "log",
			Alpha:         0.05,
			Threshold:     7,
			Warmup:        30,
			MinStddev:     1e-4,
			MinStddevMove: 1,
		},
		Stale: StaleConfig{
			Factor: 20,
			Alpha:  0.1,
			Warmup: 10,
			MinGap: conf.Duration(time.Second),
		},
		CUSUM: CUSUMConfig{
			Attributes:    []string{"price"},
			Change:        "log",
			Alpha:         0.01,
			Drift:         0.5,
			Threshold:     10,
			Warmup:        30,
			MinStddev:     1e-4,
			MinStddevMove: 1,
		},
		PageHinkley: PageHinkleyConfig{
			Attributes:    []string{"price"},
			Change:        "log",
			Alpha:         0.01,
			Delta:         0.5,
			Threshold:     20,
			Warmup:        30,
			MinStddev:     1e-4,
			MinStddevMove: 1,
		},
		MAD: MADConfig{
			Attributes:    []string{"price"},
			Change:        "log",
			Window:        50,
			Threshold:     8,
			MinEvents:     20,
			MinStddev:     1e-4,
			MinStddevMove: 1,
		},
		Burst:        defaultBurst(),
		CrossSection: defaultCrossSection(),
		Ensemble:     defaultEnsemble(),
	}}
}

// AddGroup appends a group with a copy of the top-level Params, changed by
// edit (which may be nil).
func (c *Config) AddGroup(name string, prefixes, ids []string, edit func(p *Params)) {
	g := Group{Name: name, Prefixes: slices.Clone(prefixes), IDs: slices.Clone(ids), Params: c.Params.clone()}
	if edit != nil {
		edit(&g.Params)
	}
	c.Groups = append(c.Groups, g)
}

// UnmarshalYAML decodes the section strictly (with the decoder's own
// settings, so unknown keys are refused when it refuses them), then
// completes each group's sections from the top-level ones.
func (c *Config) UnmarshalYAML(unmarshal func(any) error) error {
	raw := struct {
		Params `yaml:",inline"`
		Groups []Group `yaml:"groups"`
	}{Params: c.Params}
	if err := unmarshal(&raw); err != nil {
		return err
	}
	c.Params, c.Groups = raw.Params, nil
	for i := range raw.Groups {
		g := raw.Groups[i]
		full := groupYAML{Params: c.Params.clone()}
		if g.node != nil {
			if err := g.node.Decode(&full); err != nil {
				return err
			}
		}
		g.Params, g.node = full.Params, nil
		c.Groups = append(c.Groups, g)
	}
	return nil
}

// groupYAML is the form a group is checked and completed in.
type groupYAML struct {
	Name     string   `yaml:"name"`
	Prefixes []string `yaml:"prefixes"`
	IDs      []string `yaml:"ids"`
	Params   `yaml:",inline"`
}

// groupNode carries a group's YAML from Group.UnmarshalYAML to
// Config.UnmarshalYAML.
type groupNode = yaml.Node

// nodeOf captures the node it is decoded from.
type nodeOf struct{ n *yaml.Node }

func (c *nodeOf) UnmarshalYAML(n *yaml.Node) error {
	c.n = n
	return nil
}

// UnmarshalYAML checks a group strictly and keeps its YAML, for
// Config.UnmarshalYAML to lay over the top-level sections.
func (g *Group) UnmarshalYAML(unmarshal func(any) error) error {
	var n nodeOf
	if err := unmarshal(&n); err != nil {
		return err
	}
	var check groupYAML
	if err := unmarshal(&check); err != nil {
		return err
	}
	*g = Group{Name: check.Name, Prefixes: check.Prefixes, IDs: check.IDs, node: n.n}
	return nil
}

// Validate checks every section, enabled or not, and every group, and
// returns all mistakes joined; each is a *conf.Error naming the key, the
// value and what is allowed.
func (c *Config) Validate() error {
	v := &validator{}
	c.Params.validate(v, "detectors")
	seen := map[string]bool{}
	for i := range c.Groups {
		g := &c.Groups[i]
		key := fmt.Sprintf("detectors.groups[%d]", i)
		switch {
		case g.Name == "":
			v.fail(key+".name", `""`, "want a group name")
		case seen[g.Name]:
			v.fail(key+".name", g.Name, "want a name no other group has")
		}
		seen[g.Name] = true
		if len(g.Prefixes) == 0 && len(g.IDs) == 0 {
			v.fail(key, g.Name, "want prefixes or ids")
		}
		for _, p := range g.Prefixes {
			if p == "" {
				v.fail(key+".prefixes", `""`, "want non-empty prefixes")
			}
		}
		for _, id := range g.IDs {
			if id == "" {
				v.fail(key+".ids", `""`, "want non-empty ids")
			}
		}
		g.Params.validate(v, key)
		g.Params.sameLane(v, key, &c.Params)
	}
	return errors.Join(v.errs...)
}

func (p *Params) validate(v *validator, key string) {
	p.Jump.validate(v, key+".jump")
	p.ZScore.validate(v, key+".zscore")
	p.LimitBand.validate(v, key+".limit_band")
	p.VI.validate(v, key+".volatility_interruption")
	p.Sequence.validate(v, key+".sequence")
	p.Invalid.validate(v, key+".invalid")
	p.EWMA.validate(v, key+".ewma")
	p.Stale.validate(v, key+".stale")
	p.CUSUM.validate(v, key+".cusum")
	p.PageHinkley.validate(v, key+".page_hinkley")
	p.MAD.validate(v, key+".mad")
	p.Burst.validate(v, key+".burst")
	p.CrossSection.validate(v, key+".cross_section")
	p.Ensemble.validate(v, key+".ensemble")
}

// sameLane checks that a group keeps the settings that are the lane's.
func (p *Params) sameLane(v *validator, key string, top *Params) {
	same := func(k string, got, want []string) {
		if !slices.Equal(got, want) {
			v.fail(key+"."+k, "["+strings.Join(got, ", ")+"]", "want the top-level value ["+strings.Join(want, ", ")+"]; groups tune parameters, not attributes")
		}
	}
	same("jump.attributes", p.Jump.Attributes, top.Jump.Attributes)
	same("zscore.attributes", p.ZScore.Attributes, top.ZScore.Attributes)
	same("limit_band.attributes", p.LimitBand.Attributes, top.LimitBand.Attributes)
	same("limit_band.base_attribute", []string{p.LimitBand.BaseAttribute}, []string{top.LimitBand.BaseAttribute})
	same("volatility_interruption.attributes", p.VI.Attributes, top.VI.Attributes)
	same("volatility_interruption.base_attribute", []string{p.VI.BaseAttribute}, []string{top.VI.BaseAttribute})
	same("invalid.attributes", p.Invalid.Attributes, top.Invalid.Attributes)
	same("ewma.attributes", p.EWMA.Attributes, top.EWMA.Attributes)
	same("cusum.attributes", p.CUSUM.Attributes, top.CUSUM.Attributes)
	same("page_hinkley.attributes", p.PageHinkley.Attributes, top.PageHinkley.Attributes)
	same("mad.attributes", p.MAD.Attributes, top.MAD.Attributes)
	same("burst.attributes", p.Burst.Attributes, top.Burst.Attributes)
	same("burst.measures", p.Burst.Measures, top.Burst.Measures)
	same("cross_section.attributes", p.CrossSection.Attributes, top.CrossSection.Attributes)
	same("ensemble.members", p.Ensemble.Members, top.Ensemble.Members)
	same("ensemble.combine", []string{p.Ensemble.Combine}, []string{top.Ensemble.Combine})
}

// clone returns c with its own attribute lists and groups.
func (c Config) clone() Config {
	c.Params = c.Params.clone()
	gs := make([]Group, len(c.Groups))
	for i, g := range c.Groups {
		g.Prefixes, g.IDs = slices.Clone(g.Prefixes), slices.Clone(g.IDs)
		g.Params, g.node = g.Params.clone(), nil
		gs[i] = g
	}
	c.Groups = gs
	return c
}

// clone returns p with its own lists.
func (p Params) clone() Params {
	for _, l := range []*[]string{
		&p.Jump.Attributes, &p.ZScore.Attributes, &p.LimitBand.Attributes, &p.VI.Attributes,
		&p.Invalid.Attributes, &p.EWMA.Attributes, &p.CUSUM.Attributes,
		&p.PageHinkley.Attributes, &p.MAD.Attributes, &p.Burst.Attributes,
		&p.Burst.Measures, &p.CrossSection.Attributes, &p.Ensemble.Members,
	} {
		*l = slices.Clone(*l)
	}
	return p
}

// params returns the Params of the top level (index 0) and of each group
// (index i+1), the index an instrument's group resolves to.
func (c *Config) params() []Params {
	ps := []Params{c.Params}
	for _, g := range c.Groups {
		ps = append(ps, g.Params)
	}
	return ps
}

// groupMatcher resolves an instrument id to its Params index: 0 for the
// top level, i+1 for the first group i that lists it or one of its prefixes.
type groupMatcher struct {
	ids      map[string]int32 // id -> lowest group index listing it
	prefixes [][]string       // per group
}

func newGroupMatcher(gs []Group) groupMatcher {
	m := groupMatcher{ids: map[string]int32{}}
	for i, g := range gs {
		for _, id := range g.IDs {
			if _, ok := m.ids[id]; !ok {
				m.ids[id] = int32(i)
			}
		}
		m.prefixes = append(m.prefixes, g.Prefixes)
	}
	return m
}

func (m *groupMatcher) match(id string) int32 {
	last := int32(len(m.prefixes))
	if i, ok := m.ids[id]; ok {
		last = i
	}
	for i := range last {
		for _, p := range m.prefixes[i] {
			if strings.HasPrefix(id, p) {
				return i + 1
			}
		}
	}
	if last < int32(len(m.prefixes)) {
		return last + 1
	}
	return 0
}

// validator collects config errors.
type validator struct{ errs []error }

func (v *validator) fail(key string, value any, allowed string) {
	v.errs = append(v.errs, conf.Errorf(key, value, "%s", allowed))
}

// open checks lo < x <= hi (or lo < x < hi when hi is +Inf), x finite.
func (v *validator) open(key string, x, lo, hi float64, allowed string) {
	if !(x > lo && x <= hi) || math.IsInf(x, 0) {
		v.fail(key, x, allowed)
	}
}

// nonNeg checks 0 <= x < +Inf.
func (v *validator) nonNeg(key string, x float64) {
	if !(x >= 0) || math.IsInf(x, 0) {
		v.fail(key, x, "want a number >= 0")
	}
}

// intRange checks lo <= x <= hi.
func (v *validator) intRange(key string, x, lo, hi int, allowed string) {
	if x < lo || x > hi {
		v.fail(key, x, allowed)
	}
}

// cooldown checks a cooldown count.
func (v *validator) cooldown(key string, n int) {
	v.intRange(key, n, 0, maxEvents, "want an integer >= 0")
}

// change checks a change setting: log or diff.
func (v *validator) change(key, s string) {
	if s != "log" && s != "diff" {
		v.fail(key, fmt.Sprintf("%q", s), `want "log" (log returns of positive values) or "diff" (differences)`)
	}
}

// attrs checks an attribute list: at least one name, none empty, no repeats.
func (v *validator) attrs(key string, names []string) {
	if len(names) == 0 {
		v.fail(key, "[]", "want at least one attribute name")
		return
	}
	for i, n := range names {
		if n == "" {
			v.fail(key, `""`, "want non-empty attribute names")
			continue
		}
		for _, m := range names[:i] {
			if m == n {
				v.fail(key, n, "want each attribute once")
			}
		}
	}
}

const (
	maxWindow = 100_000
	maxEvents = 1 << 30
)
