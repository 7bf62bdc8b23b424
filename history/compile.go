package history

import (
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"pricewatch/conf"
	"pricewatch/schemas"
)

// plan is a validated Spec, resolved into attributes, layouts and output
// tables.
type plan struct {
	entity  string
	attrs   []attrDef
	byName  map[string]int
	layouts []*layout // in config order
	primary int       // index into layouts

	master     *out // nil when no layout keeps a master
	masterAttr []int
	masterDel  delMode

	bt     *out // bitemporal
	btNull bool
	snap   *out // nil when snapshots are off
	every  time.Duration
	loc    *time.Location
	rej    *out

	outs    []*out // every output table, in Tables() order
	derived []*out // tables whose rows are derived from the change points

	marks int // scan marks per instrument: every layout's units, then the bitemporal table's
}

type attrDef struct {
	name string
	num  bool
	code int
}

type delMode uint8

const (
	delIgnore delMode = iota
	delClose
	delRow
)

var delNames = [...]string{"ignore", "close", "row"}

type corrMode uint8

const (
	corrOverwrite corrMode = iota
	corrTable
	corrKind
)

type shape uint8

const (
	shapeGroup      shape = iota // one row holds the unit's attributes as columns (1, 2, 8, 9, 10)
	shapePerAttr                 // one table per attribute (3)
	shapeKind                    // one table, a kind column names the attribute (4, 5)
	shapeVertical                // attribute code, old and new value (6)
	shapeIntegrated              // as vertical, with an entity number and key (7)
)

// layout is one compiled TableSpec.
type layout struct {
	idx      int // position in history.tables
	method   int
	name     string // the main history table's name: prefix of its views
	unit     []int  // attribute indexes, in attribute order
	shape    shape
	after    bool
	interval bool
	changed  bool
	del      delMode
	corr     corrMode
	openNull bool
	instance bool // the unit is the whole instance (1, 2)
	mark     int  // the scan mark of unit attribute j is Inst.marks[mark+j] (see changes)

	hist    []*out // shapePerAttr: one per unit attribute
	current *out   // methods 5 and 10
	unitNm  string // shapeKind: the kind column is <unitNm>_kind, the value <unitNm>

	codes    string // methods 6, 7: attribute code view
	registry string // method 7: entity registry view
	entities []entityDef
	entOf    map[int]int // attribute index -> entity number (7)
}

type entityDef struct {
	no    int
	name  string
	attrs []int
}

// role says what a column holds.
type role uint8

const (
	rID role = iota
	rEntityNo
	rEntityKey
	rChangeKind
	rTime
	rFrom
	rTo
	rAttr
	rKindName
	rKindVal
	rCode
	rOldNum
	rOldStr
	rNewNum
	rNewStr
	rChanged
	rDeletedAt
	rRecFrom
	rRecTo
	rWinStart
	rWinEnd
	rOp
	rSeq
	rSrcPart
	rSrcOff
	rEmit
	rCorrAt
	rCorrBy
	rEventTime
	rRejAttr
	rRejValue
	rRejReason
)

type col struct {
	name     string
	typ      arrow.DataType
	nullable bool
	role     role
	attr     int  // rAttr: attribute index
	key      bool // part of the table's key
	meta     bool // provenance, left out when deciding whether a correction changed a row
}

// out is one output table.
type out struct {
	t        *schemas.Table
	cols     []col
	keyPos   []int
	emitPos  int
	openNull bool // rTo / rRecTo of an open row is NULL (else 9999-12-31)
	kindPos  int  // position of change_kind, -1 when none
	corr     *out // corrections: table
	num      bool // shapeKind: the value column is a number
	id       int  // index into plan.outs
}

var (
	tStr arrow.DataType = arrow.BinaryTypes.String
	tI64 arrow.DataType = arrow.PrimitiveTypes.Int64
	tI32 arrow.DataType = arrow.PrimitiveTypes.Int32
	tF64 arrow.DataType = arrow.PrimitiveTypes.Float64
)

// openEndMicros is 9999-12-31T00:00:00Z.
var openEndMicros = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()

func (s *Spec) compile() (*plan, error) {
	p := &plan{entity: s.Entity, byName: map[string]int{}, loc: time.UTC}
	if !isIdent(s.Entity) {
		return nil, conf.Errorf("history.entity", fmt.Sprintf("%q", s.Entity), identRule)
	}
	if len(s.Attributes) == 0 || len(s.Attributes) > 256 {
		return nil, conf.Errorf("history.attributes", len(s.Attributes), "want 1 to 256 attributes")
	}
	codes := map[int]bool{}
	for i, a := range s.Attributes {
		key := fmt.Sprintf("history.attributes[%d]", i)
		if !isIdent(a.Name) || slices.Contains(fixedColumns, a.Name) {
			return nil, conf.Errorf(key+".name", fmt.Sprintf("%q", a.Name), "%s, and not one of the columns the layouts add (%s, ...)", identRule, "instrument_id, changed_at, valid_from")
		}
		if _, dup := p.byName[a.Name]; dup {
			return nil, conf.Errorf(key+".name", fmt.Sprintf("%q", a.Name), "want each attribute listed once")
		}
		if !oneOf(a.Type, "number", "string") {
			return nil, conf.Errorf(key+".type", fmt.Sprintf("%q", a.Type), "want %s", quoteList("number", "string"))
		}
		code := a.Code
		if code == 0 {
			code = 100 + 10*i
		}
		if code < 0 || codes[code] {
			return nil, conf.Errorf(key+".code", a.Code, "want a positive attribute code used by no other attribute")
		}
		codes[code] = true
		p.byName[a.Name] = i
		p.attrs = append(p.attrs, attrDef{name: a.Name, num: a.Type == "number", code: code})
	}
	groups := map[string][]int{}
	inGroup := map[int]string{}
	for i, g := range s.Groups {
		key := fmt.Sprintf("history.groups[%d]", i)
		if !isIdent(g.Name) {
			return nil, conf.Errorf(key+".name", fmt.Sprintf("%q", g.Name), identRule)
		}
		if _, dup := groups[g.Name]; dup {
			return nil, conf.Errorf(key+".name", fmt.Sprintf("%q", g.Name), "want each group listed once")
		}
		if len(g.Attributes) == 0 {
			return nil, conf.Errorf(key+".attributes", "[]", "want at least one attribute")
		}
		var idx []int
		for j, a := range g.Attributes {
			ai, ok := p.byName[a]
			if !ok || slices.Contains(idx, ai) {
				return nil, conf.Errorf(fmt.Sprintf("%s.attributes[%d]", key, j), fmt.Sprintf("%q", a), "want an attribute of history.attributes, listed once")
			}
			if other, ok := inGroup[ai]; ok {
				return nil, conf.Errorf(fmt.Sprintf("%s.attributes[%d]", key, j), fmt.Sprintf("%q", a), "want an attribute in no other group (it is in %q)", other)
			}
			inGroup[ai] = g.Name
			idx = append(idx, ai)
		}
		slices.Sort(idx)
		groups[g.Name] = idx
	}
	if len(s.Layouts) == 0 {
		return p, s.checkOptional()
	}

	names := map[string]string{} // object name -> the key that defines it
	claim := func(name, key string) error {
		if !isIdent(name) {
			return conf.Errorf(key, fmt.Sprintf("%q", name), identRule)
		}
		if slices.Contains(builtinTables, name) || len(name) > 12 && name[:12] == "_pricewatch_" {
			return conf.Errorf(key, fmt.Sprintf("%q", name), "want a name that is not one of the job's other tables (%v)", builtinTables)
		}
		if prev, ok := names[name]; ok {
			return conf.Errorf(key, fmt.Sprintf("%q", name), "want a name no other table, view or macro takes (%s makes it)", prev)
		}
		names[name] = key
		return nil
	}
	E := s.Entity
	for _, suf := range []string{"_current", "_as_of", "_as_known", "_changes", "_attr_log", "_timeline", "_lifecycle", "_change_log", "_rejects"} {
		if err := claim(E+suf, "history.entity"); err != nil {
			return nil, err
		}
	}

	movedOut := map[int]int{} // attribute -> table index that keeps it out of the master
	p.primary = -1
	for i := range s.Layouts {
		L, err := p.compileLayout(s, i, groups, inGroup, movedOut, claim)
		if err != nil {
			return nil, err
		}
		if s.Layouts[i].Primary {
			if p.primary >= 0 {
				return nil, conf.Errorf(fmt.Sprintf("history.tables[%d].primary", i), true, "want one primary table at most (history.tables[%d] is primary)", p.primary)
			}
			p.primary = i
		}
		L.mark = p.marks
		p.marks += max(1, len(L.unit))
		p.layouts = append(p.layouts, L)
	}
	if p.primary < 0 {
		p.primary = 0
	}

	// The master: every layout beside it shares one delete handling.
	masterFrom := -1
	for i, L := range p.layouts {
		if L.method == 1 {
			continue
		}
		if masterFrom < 0 {
			masterFrom, p.masterDel = i, L.del
		} else if L.del != p.masterDel {
			return nil, conf.Errorf(fmt.Sprintf("history.tables[%d].deletes", i), fmt.Sprintf("%q", delNames[L.del]),
				"want %q like history.tables[%d]: every layout beside the master table shares its delete handling", delNames[p.masterDel], masterFrom)
		}
	}
	if masterFrom >= 0 {
		name := s.Master
		if name == "" {
			name = E
		}
		if err := claim(name, "history.master"); err != nil {
			return nil, err
		}
		for a := range p.attrs {
			if _, out := movedOut[a]; !out {
				p.masterAttr = append(p.masterAttr, a)
			}
		}
		p.master = p.currentTable(name, p.masterAttr)
		p.add(p.master, true)
		// Values before a change need the current values from the master.
		for i, L := range p.layouts {
			if L.after || L.current != nil {
				continue
			}
			for _, a := range L.unit {
				if j, out := movedOut[a]; out {
					return nil, conf.Errorf(fmt.Sprintf("history.tables[%d].values", i), fmt.Sprintf("%q", "before"),
						"want \"after\", or a unit without %s: with values before, current values come from the master, and history.tables[%d] keeps %s out of it", p.attrs[a].name, j, p.attrs[a].name)
				}
			}
		}
	} else if s.Master != "" {
		return nil, conf.Errorf("history.master", fmt.Sprintf("%q", s.Master), "want no master name: only method 1 tables are configured, which keep no master")
	}
	for _, L := range p.layouts {
		if L.current != nil {
			p.add(L.current, true)
		}
		for _, h := range L.hist {
			p.add(h, true)
			if h.corr != nil {
				p.add(h.corr, false)
			}
		}
	}

	bname := s.Bitemporal.Name
	if bname == "" {
		bname = E + "_bitemporal"
	}
	if err := claim(bname, "history.bitemporal.name"); err != nil {
		return nil, err
	}
	null, err := openEnd(s.Bitemporal.OpenEnd, "history.bitemporal.open_end")
	if err != nil {
		return nil, err
	}
	p.btNull = null
	p.bt = p.bitemporalTable(bname, null)
	p.add(p.bt, false)

	if s.Snapshots.Every != 0 {
		if err := s.checkSnapshots(); err != nil {
			return nil, err
		}
		name := s.Snapshots.Table
		if name == "" {
			name = "snapshots"
		}
		if err := claim(name, "history.snapshots.table"); err != nil {
			return nil, err
		}
		p.every = time.Duration(s.Snapshots.Every)
		if s.Snapshots.Timezone != "" {
			p.loc, _ = time.LoadLocation(s.Snapshots.Timezone)
		}
		p.snap = p.snapshotTable(name)
		p.add(p.snap, false)
	} else if s.Snapshots.Timezone != "" || s.Snapshots.Table != "" {
		if err := s.checkSnapshots(); err != nil {
			return nil, err
		}
	}
	p.rej = rejectsTable(E + "_rejects")
	p.add(p.rej, false)
	return p, nil
}

// checkOptional validates the sections that only matter with tables.
func (s *Spec) checkOptional() error {
	if s.Master != "" && !isIdent(s.Master) {
		return conf.Errorf("history.master", fmt.Sprintf("%q", s.Master), identRule)
	}
	if s.Bitemporal.Name != "" && !isIdent(s.Bitemporal.Name) {
		return conf.Errorf("history.bitemporal.name", fmt.Sprintf("%q", s.Bitemporal.Name), identRule)
	}
	if _, err := openEnd(s.Bitemporal.OpenEnd, "history.bitemporal.open_end"); err != nil {
		return err
	}
	if s.Snapshots.Every != 0 {
		return conf.Errorf("history.snapshots.every", s.Snapshots.Every, "want 0 (off) while history.tables is empty: snapshots need at least one history table")
	}
	return s.checkSnapshots()
}

func (s *Spec) checkSnapshots() error {
	if e := time.Duration(s.Snapshots.Every); e != 0 && e < minSnapshotEvery {
		return conf.Errorf("history.snapshots.every", s.Snapshots.Every, "want 0 (off) or a duration of at least %s", minSnapshotEvery)
	}
	if tz := s.Snapshots.Timezone; tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return conf.Errorf("history.snapshots.timezone", fmt.Sprintf("%q", tz), "want an IANA time zone name such as \"UTC\" or \"Asia/Seoul\"")
		}
	}
	if t := s.Snapshots.Table; t != "" && !isIdent(t) {
		return conf.Errorf("history.snapshots.table", fmt.Sprintf("%q", t), identRule)
	}
	return nil
}

func openEnd(v, key string) (null bool, err error) {
	switch v {
	case "", "null", "NULL":
		return true, nil
	case "9999-12-31":
		return false, nil
	}
	return false, conf.Errorf(key, fmt.Sprintf("%q", v), "want %s", quoteList("null", "9999-12-31"))
}

func (p *plan) add(o *out, derived bool) {
	o.id = len(p.outs)
	p.outs = append(p.outs, o)
	if derived {
		p.derived = append(p.derived, o)
	}
}

func (p *plan) compileLayout(s *Spec, i int, groups map[string][]int, inGroup map[int]string,
	movedOut map[int]int, claim func(name, key string) error) (*layout, error) {
	ts := s.Layouts[i]
	key := fmt.Sprintf("history.tables[%d]", i)
	m := ts.Method
	if m < 1 || m > 10 {
		return nil, conf.Errorf(key+".method", m, "want a method of the article, 1 to 10")
	}
	L := &layout{idx: i, method: m, instance: m == 1 || m == 2}
	E := s.Entity

	// The unit.
	switch m {
	case 1, 2:
		if ts.Group != "" || len(ts.Attributes) > 0 {
			return nil, conf.Errorf(key+".group", fmt.Sprintf("%q", ts.Group+fmt.Sprint(ts.Attributes)), "want no group or attributes: method %d keeps the whole instance", m)
		}
		L.unit = allAttrs(len(p.attrs))
	default:
		if ts.Group != "" && len(ts.Attributes) > 0 {
			return nil, conf.Errorf(key+".attributes", ts.Attributes, "want either group or attributes, not both")
		}
		switch {
		case ts.Group != "":
			g, ok := groups[ts.Group]
			if !ok {
				return nil, conf.Errorf(key+".group", fmt.Sprintf("%q", ts.Group), "want a group of history.groups")
			}
			L.unit, L.unitNm = g, ts.Group
		case len(ts.Attributes) > 0:
			if m >= 8 {
				return nil, conf.Errorf(key+".attributes", ts.Attributes, "want no attributes: method %d keeps an attribute group; name it with group", m)
			}
			for j, a := range ts.Attributes {
				ai, ok := p.byName[a]
				if !ok || slices.Contains(L.unit, ai) {
					return nil, conf.Errorf(fmt.Sprintf("%s.attributes[%d]", key, j), fmt.Sprintf("%q", a), "want an attribute of history.attributes, listed once")
				}
				L.unit = append(L.unit, ai)
			}
			slices.Sort(L.unit)
			if len(L.unit) == 1 {
				L.unitNm = p.attrs[L.unit[0]].name
			}
		case m == 6 || m == 7:
			L.unit = allAttrs(len(p.attrs))
		default:
			what := "group"
			if m <= 5 {
				what = "group or attributes"
			}
			return nil, conf.Errorf(key+".group", `""`, "want the %s method %d keeps history of", what, m)
		}
	}
	switch m {
	case 1, 2, 8, 9, 10:
		L.shape = shapeGroup
	case 3:
		L.shape = shapePerAttr
	case 4, 5:
		L.shape = shapeKind
		if L.unitNm == "" {
			return nil, conf.Errorf(key+".attributes", ts.Attributes, "want one attribute, or a group: the group's name names the kind and value columns of method %d", m)
		}
		num := p.attrs[L.unit[0]].num
		for _, a := range L.unit {
			if p.attrs[a].num != num {
				return nil, conf.Errorf(key+".group", fmt.Sprintf("%q", L.unitNm), "want attributes of one type: method %d keeps them in one value column", m)
			}
		}
		for _, c := range []string{L.unitNm + "_kind", L.unitNm} {
			if slices.Contains(fixedColumns, c) || !isIdent(c) {
				return nil, conf.Errorf(key+".group", fmt.Sprintf("%q", L.unitNm), "want a unit name whose columns %s_kind and %s are free SQL names", L.unitNm, L.unitNm)
			}
		}
	case 6:
		L.shape = shapeVertical
	case 7:
		L.shape = shapeIntegrated
	}

	// Options.
	switch ts.Grain {
	case "", "point":
	case "interval":
		if m == 6 || m == 7 {
			return nil, conf.Errorf(key+".grain", `"interval"`, "want \"point\": the vertical history of method %d keeps change points", m)
		}
		L.interval = true
	default:
		return nil, conf.Errorf(key+".grain", fmt.Sprintf("%q", ts.Grain), "want %s", quoteList("point", "interval"))
	}
	switch ts.Rows {
	case "", "snapshot":
	case "changed":
		if !oneOf(fmt.Sprint(m), "1", "2", "8", "9", "10") {
			return nil, conf.Errorf(key+".rows", `"changed"`, "want \"snapshot\": a row of method %d holds one attribute", m)
		}
		L.changed = true
	default:
		return nil, conf.Errorf(key+".rows", fmt.Sprintf("%q", ts.Rows), "want %s", quoteList("snapshot", "changed"))
	}
	switch m {
	case 1, 4, 9:
		if ts.Values != "" && ts.Values != "after" {
			return nil, conf.Errorf(key+".values", fmt.Sprintf("%q", ts.Values), "want \"after\": method %d keeps current and past rows in one table, so a row holds the values from its change on", m)
		}
		L.after = true
	case 6, 7:
		if ts.Values != "" {
			return nil, conf.Errorf(key+".values", fmt.Sprintf("%q", ts.Values), "want no values: method %d keeps the old and the new value", m)
		}
	default:
		switch ts.Values {
		case "", "before":
		case "after":
			L.after = true
		default:
			return nil, conf.Errorf(key+".values", fmt.Sprintf("%q", ts.Values), "want %s", quoteList("before", "after"))
		}
	}
	L.openNull = true
	if ts.OpenEnd != "" {
		if !L.interval || !L.after {
			return nil, conf.Errorf(key+".open_end", fmt.Sprintf("%q", ts.OpenEnd), "want no open_end: only interval rows with values after have an open end")
		}
		null, err := openEnd(ts.OpenEnd, key+".open_end")
		if err != nil {
			return nil, err
		}
		L.openNull = null
	}
	switch ts.Deletes {
	case "":
		L.del = delClose
		if L.after && !L.interval {
			L.del = delRow
		}
	case "ignore":
		L.del = delIgnore
	case "close":
		if L.after && !L.interval {
			return nil, conf.Errorf(key+".deletes", `"close"`, "want \"ignore\" or \"row\": a point row with values after has no end to close")
		}
		L.del = delClose
	case "row":
		L.del = delRow
	default:
		return nil, conf.Errorf(key+".deletes", fmt.Sprintf("%q", ts.Deletes), "want %s", quoteList("ignore", "close", "row"))
	}
	switch ts.Corrections {
	case "", "overwrite":
	case "table":
		L.corr = corrTable
	case "kind":
		L.corr = corrKind
	default:
		return nil, conf.Errorf(key+".corrections", fmt.Sprintf("%q", ts.Corrections), "want %s", quoteList("overwrite", "table", "kind"))
	}
	if ts.CorrectionTable != "" && L.corr != corrTable {
		return nil, conf.Errorf(key+".correction_table", fmt.Sprintf("%q", ts.CorrectionTable), "want no correction_table unless corrections is \"table\"")
	}
	if ts.Current != "" && m != 5 && m != 10 {
		return nil, conf.Errorf(key+".current", fmt.Sprintf("%q", ts.Current), "want no current table name: only methods 5 and 10 keep a current table")
	}
	if ts.Codes != "" && m != 6 && m != 7 {
		return nil, conf.Errorf(key+".codes", fmt.Sprintf("%q", ts.Codes), "want no codes view name: only methods 6 and 7 have an attribute code table")
	}
	if (ts.Registry != "" || len(ts.Entities) > 0) && m != 7 {
		return nil, conf.Errorf(key+".entities", fmt.Sprintf("%q", ts.Registry), "want no registry or entities: only method 7 integrates several entities")
	}
	if ts.CorrectionTable != "" && m == 3 {
		return nil, conf.Errorf(key+".correction_table", fmt.Sprintf("%q", ts.CorrectionTable), "want no correction_table: method 3 writes one correction table per attribute, <table>_corr")
	}
	if ts.Name != "" && m == 3 {
		return nil, conf.Errorf(key+".name", fmt.Sprintf("%q", ts.Name), "want no name: method 3 writes one table per attribute, <entity>_<attribute>_hist")
	}

	// Attributes kept out of the master.
	if m == 4 || m == 5 || m == 9 || m == 10 {
		for _, a := range L.unit {
			if j, ok := movedOut[a]; ok {
				return nil, conf.Errorf(key+".group", fmt.Sprintf("%q", p.attrs[a].name), "want attributes no other current table keeps (history.tables[%d] keeps it out of the master)", j)
			}
			movedOut[a] = i
		}
	}

	// Tables.
	name := func(override, def string) string {
		if override != "" {
			return override
		}
		return def
	}
	var histNames []string
	switch m {
	case 1, 2:
		histNames = []string{name(ts.Name, E+"_hist")}
	case 3:
		for _, a := range L.unit {
			histNames = append(histNames, E+"_"+p.attrs[a].name+"_hist")
		}
	case 4, 9:
		histNames = []string{name(ts.Name, E+"_"+L.unitNm)}
	case 5, 10, 8:
		histNames = []string{name(ts.Name, E+"_"+L.unitNm+"_hist")}
	case 6:
		histNames = []string{name(ts.Name, E+"_attr_hist")}
		L.codes = name(ts.Codes, E+"_attr_code")
	case 7:
		histNames = []string{name(ts.Name, "attr_integrated_hist")}
		L.codes = name(ts.Codes, "hist_attr_code")
		L.registry = name(ts.Registry, "hist_entity")
	}
	L.name = histNames[0]
	if m == 5 || m == 10 {
		cur := name(ts.Current, E+"_"+L.unitNm)
		if err := claim(cur, key+".current"); err != nil {
			return nil, err
		}
		if m == 10 {
			L.current = p.currentTable(cur, L.unit)
		} else {
			L.current = p.currentKindTable(cur, L)
		}
	}
	for j, hn := range histNames {
		if err := claim(hn, key+".name"); err != nil {
			return nil, err
		}
		var h *out
		switch L.shape {
		case shapeGroup:
			h = p.histTable(hn, L, L.unit)
		case shapePerAttr:
			h = p.histTable(hn, L, L.unit[j:j+1])
		case shapeKind:
			h = p.histKindTable(hn, L)
		default:
			h = p.verticalTable(hn, L)
		}
		if L.corr == corrTable {
			cn := hn + "_corr"
			if ts.CorrectionTable != "" {
				cn = ts.CorrectionTable
			}
			if err := claim(cn, key+".correction_table"); err != nil {
				return nil, err
			}
			h.corr = corrTableOf(cn, h)
		}
		L.hist = append(L.hist, h)
	}
	for _, suf := range []string{"_timeline", "_as_of"} {
		if err := claim(L.name+suf, key+".name"); err != nil {
			return nil, err
		}
	}
	if L.codes != "" {
		if err := claim(L.codes, key+".codes"); err != nil {
			return nil, err
		}
	}
	if m == 7 {
		if err := claim(L.registry, key+".registry"); err != nil {
			return nil, err
		}
		if err := p.compileEntities(s, L, key, groups, inGroup); err != nil {
			return nil, err
		}
	}
	return L, nil
}

func (p *plan) compileEntities(s *Spec, L *layout, key string, groups map[string][]int, inGroup map[int]string) error {
	L.entOf = map[int]int{}
	if len(s.Layouts[L.idx].Entities) == 0 {
		var rest []int
		for _, a := range L.unit {
			if _, ok := inGroup[a]; !ok {
				rest = append(rest, a)
			}
		}
		L.entities = append(L.entities, entityDef{no: 1, name: s.Entity, attrs: rest})
		for _, g := range s.Groups {
			var in []int
			for _, a := range groups[g.Name] {
				if slices.Contains(L.unit, a) {
					in = append(in, a)
				}
			}
			if len(in) > 0 {
				L.entities = append(L.entities, entityDef{no: len(L.entities) + 1, name: s.Entity + "_" + g.Name, attrs: in})
			}
		}
	} else {
		seen := map[int]bool{}
		names := map[string]bool{}
		for j, e := range s.Layouts[L.idx].Entities {
			ek := fmt.Sprintf("%s.entities[%d]", key, j)
			if e.No < 1 || seen[e.No] {
				return conf.Errorf(ek+".no", e.No, "want a positive entity number used by no other entity")
			}
			if !isIdent(e.Name) || names[e.Name] {
				return conf.Errorf(ek+".name", fmt.Sprintf("%q", e.Name), "%s, used by no other entity", identRule)
			}
			seen[e.No], names[e.Name] = true, true
			var in []int
			switch {
			case e.Group != "" && len(e.Attributes) > 0:
				return conf.Errorf(ek+".attributes", e.Attributes, "want either group or attributes, not both")
			case e.Group != "":
				g, ok := groups[e.Group]
				if !ok {
					return conf.Errorf(ek+".group", fmt.Sprintf("%q", e.Group), "want a group of history.groups")
				}
				in = g
			default:
				for k, a := range e.Attributes {
					ai, ok := p.byName[a]
					if !ok {
						return conf.Errorf(fmt.Sprintf("%s.attributes[%d]", ek, k), fmt.Sprintf("%q", a), "want an attribute of history.attributes")
					}
					in = append(in, ai)
				}
			}
			for _, a := range in {
				if !slices.Contains(L.unit, a) {
					return conf.Errorf(ek, fmt.Sprintf("%q", p.attrs[a].name), "want attributes of the table's unit")
				}
			}
			L.entities = append(L.entities, entityDef{no: e.No, name: e.Name, attrs: in})
		}
	}
	for _, e := range L.entities {
		for _, a := range e.attrs {
			if other, ok := L.entOf[a]; ok {
				return conf.Errorf(key+".entities", fmt.Sprintf("%q", p.attrs[a].name), "want each attribute in one entity (it is in entities %d and %d)", other, e.no)
			}
			L.entOf[a] = e.no
		}
	}
	for _, a := range L.unit {
		if _, ok := L.entOf[a]; !ok {
			return conf.Errorf(key+".entities", fmt.Sprintf("%q", p.attrs[a].name), "want every attribute of the unit in an entity")
		}
	}
	return nil
}

func allAttrs(n int) []int {
	u := make([]int, n)
	for i := range u {
		u[i] = i
	}
	return u
}

// Table builders.

func (p *plan) attrCol(a int) col {
	d := p.attrs[a]
	t := tStr
	if d.num {
		t = tF64
	}
	return col{name: d.name, typ: t, nullable: true, role: rAttr, attr: a}
}

func metaCols() []col {
	return []col{
		{name: "op", typ: tStr, role: rOp, meta: true},
		{name: "change_seq", typ: tI64, role: rSeq, meta: true},
		{name: "src_partition", typ: tI32, role: rSrcPart, meta: true},
		{name: "src_offset", typ: tI64, role: rSrcOff, meta: true},
		{name: "emit_offset", typ: tI64, role: rEmit, meta: true},
	}
}

func timeCols(L *layout) []col {
	if L.interval {
		return []col{{name: "valid_from", typ: schemas.Timestamp, role: rFrom, key: true},
			{name: "valid_to", typ: schemas.Timestamp, role: rTo, nullable: true}}
	}
	return []col{{name: "changed_at", typ: schemas.Timestamp, role: rTime, key: true}}
}

// withKind inserts change_kind after the last key column when corrections
// are kept as a kind.
func withKind(L *layout, cs []col) []col {
	if L.corr != corrKind {
		return cs
	}
	last := 0
	for i, c := range cs {
		if c.key {
			last = i
		}
	}
	return slices.Insert(cs, last+1, col{name: "change_kind", typ: tStr, role: rChangeKind, key: true})
}

func (p *plan) histTable(name string, L *layout, unit []int) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true}}
	cs = append(cs, timeCols(L)...)
	cs = withKind(L, cs)
	for _, a := range unit {
		cs = append(cs, p.attrCol(a))
	}
	if L.changed {
		cs = append(cs, col{name: "changed_attrs", typ: tStr, role: rChanged})
	}
	cs = append(cs, metaCols()...)
	return newOut(name, cs, L.openNull)
}

func (p *plan) histKindTable(name string, L *layout) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true},
		{name: L.unitNm + "_kind", typ: tStr, role: rKindName, key: true}}
	cs = append(cs, timeCols(L)...)
	cs = withKind(L, cs)
	vt := tStr
	if p.attrs[L.unit[0]].num {
		vt = tF64
	}
	cs = append(cs, col{name: L.unitNm, typ: vt, nullable: true, role: rKindVal})
	cs = append(cs, metaCols()...)
	o := newOut(name, cs, L.openNull)
	o.num = vt == tF64
	return o
}

func (p *plan) verticalTable(name string, L *layout) *out {
	var cs []col
	if L.shape == shapeIntegrated {
		cs = []col{{name: "entity_no", typ: tI32, role: rEntityNo, key: true},
			{name: "entity_key", typ: tStr, role: rEntityKey, key: true}}
	} else {
		cs = []col{{name: "instrument_id", typ: tStr, role: rID, key: true}}
	}
	cs = append(cs, col{name: "attr_code", typ: tI32, role: rCode, key: true},
		col{name: "changed_at", typ: schemas.Timestamp, role: rTime, key: true})
	cs = withKind(L, cs)
	cs = append(cs,
		col{name: "old_value_num", typ: tF64, nullable: true, role: rOldNum},
		col{name: "old_value_str", typ: tStr, nullable: true, role: rOldStr},
		col{name: "new_value_num", typ: tF64, nullable: true, role: rNewNum},
		col{name: "new_value_str", typ: tStr, nullable: true, role: rNewStr})
	cs = append(cs, metaCols()...)
	return newOut(name, cs, true)
}

// currentTable is a master or a group's current table: one row per instrument.
func (p *plan) currentTable(name string, unit []int) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true}}
	for _, a := range unit {
		cs = append(cs, p.attrCol(a))
	}
	cs = append(cs, col{name: "changed_at", typ: schemas.Timestamp, role: rTime},
		col{name: "deleted_at", typ: schemas.Timestamp, nullable: true, role: rDeletedAt})
	cs = append(cs, metaCols()...)
	return newOut(name, cs, true)
}

func (p *plan) currentKindTable(name string, L *layout) *out {
	vt := tStr
	if p.attrs[L.unit[0]].num {
		vt = tF64
	}
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true},
		{name: L.unitNm + "_kind", typ: tStr, role: rKindName, key: true},
		{name: L.unitNm, typ: vt, nullable: true, role: rKindVal},
		{name: "changed_at", typ: schemas.Timestamp, role: rTime},
		{name: "deleted_at", typ: schemas.Timestamp, nullable: true, role: rDeletedAt}}
	cs = append(cs, metaCols()...)
	o := newOut(name, cs, true)
	o.num = vt == tF64
	return o
}

func corrTableOf(name string, h *out) *out {
	var cs []col
	for _, c := range h.cols {
		if c.role != rEmit {
			cs = append(cs, c)
		}
	}
	cs = append(cs, col{name: "corrected_at", typ: schemas.Timestamp, role: rCorrAt, key: true},
		col{name: "corrected_by", typ: tI64, role: rCorrBy, meta: true},
		col{name: "emit_offset", typ: tI64, role: rEmit, meta: true})
	o := newOut(name, cs, h.openNull)
	o.num = h.num
	return o
}

func (p *plan) bitemporalTable(name string, null bool) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true},
		{name: "valid_from", typ: schemas.Timestamp, role: rFrom, key: true},
		{name: "valid_to", typ: schemas.Timestamp, role: rTo, nullable: true},
		{name: "recorded_from", typ: schemas.Timestamp, role: rRecFrom, key: true},
		{name: "recorded_to", typ: schemas.Timestamp, role: rRecTo, nullable: true}}
	for a := range p.attrs {
		cs = append(cs, p.attrCol(a))
	}
	cs = append(cs, metaCols()...)
	return newOut(name, cs, null)
}

func (p *plan) snapshotTable(name string) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID, key: true},
		{name: "window_start", typ: schemas.Timestamp, role: rWinStart},
		{name: "window_end", typ: schemas.Timestamp, role: rWinEnd, key: true}}
	for a := range p.attrs {
		cs = append(cs, p.attrCol(a))
	}
	cs = append(cs, col{name: "src_partition", typ: tI32, role: rSrcPart, meta: true},
		col{name: "src_offset", typ: tI64, role: rSrcOff, meta: true},
		col{name: "emit_offset", typ: tI64, role: rEmit, meta: true})
	return newOut(name, cs, true)
}

func rejectsTable(name string) *out {
	cs := []col{{name: "instrument_id", typ: tStr, role: rID},
		{name: "event_time", typ: schemas.Timestamp, role: rEventTime},
		{name: "attribute", typ: tStr, role: rRejAttr, key: true},
		{name: "value", typ: tStr, nullable: true, role: rRejValue},
		{name: "reason", typ: tStr, role: rRejReason},
		{name: "src_partition", typ: tI32, role: rSrcPart, key: true, meta: true},
		{name: "src_offset", typ: tI64, role: rSrcOff, key: true, meta: true},
		{name: "emit_offset", typ: tI64, role: rEmit, meta: true}}
	return newOut(name, cs, true)
}

func newOut(name string, cs []col, openNull bool) *out {
	o := &out{cols: cs, openNull: openNull, kindPos: -1, emitPos: -1}
	fs := make([]arrow.Field, len(cs))
	var key []string
	for i, c := range cs {
		fs[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: c.nullable}
		if c.key {
			o.keyPos = append(o.keyPos, i)
			key = append(key, c.name)
		}
		switch c.role {
		case rEmit:
			o.emitPos = i
		case rChangeKind:
			o.kindPos = i
		}
	}
	o.t = &schemas.Table{Name: name, Schema: arrow.NewSchema(fs, nil), Key: key, Version: "emit_offset", Identity: key}
	return o
}
