package jobs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"pricewatch/conf"
)

// EnvPrefix starts the environment variables that set config keys: the key
// path in upper case with "_" between the parts, e.g. PRICEWATCH_SOURCE_TOPIC
// for source.topic or PRICEWATCH_DETECTORS_JUMP_THRESHOLD for
// detectors.jump.threshold. Values are YAML: a list is written [a, b].
const EnvPrefix = "PRICEWATCH_"

// envNotConfig are PRICEWATCH_ variables that are not config keys.
var envNotConfig = []string{"PRICEWATCH_CPUPROFILE", "PRICEWATCH_MEMPROFILE", "PRICEWATCH_LOG_LEVEL", "PRICEWATCH_ARTIFACTS",
	"PRICEWATCH_KAFKA_", "PRICEWATCH_NO_BROWSER"}

// applyEnv sets the config keys named by PRICEWATCH_* variables of environ
// (as os.Environ gives them) over c. An unknown variable is an error naming
// it, except the one source.security.sasl.password_env names.
func applyEnv(c Config, environ []string) (Config, error) {
	paths := map[string][]string{}
	leafPaths(reflect.TypeOf(c), nil, paths)
	doc := &yaml.Node{Kind: yaml.MappingNode}
	var names []string
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || slices.ContainsFunc(envNotConfig, func(p string) bool { return strings.HasPrefix(name, p) }) ||
			name == c.Source.Security.SASL.PasswordEnv { // a secret the config names, not a key
			continue
		}
		path, ok := paths[name]
		if !ok {
			return Config{}, conf.Errorf(name, "(set)", "not a config key; see `pricewatch config` for the keys (e.g. source.topic is PRICEWATCH_SOURCE_TOPIC)")
		}
		var v yaml.Node
		if err := yaml.Unmarshal([]byte(value), &v); err != nil || len(v.Content) == 0 {
			v = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}}}
		}
		set(doc, path, v.Content[0])
		names = append(names, name)
	}
	if len(names) == 0 {
		return c, nil
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return Config{}, fmt.Errorf("config: cannot apply %s: %w", strings.Join(names, ", "), err)
	}
	c, err = decode(c, b)
	if err != nil {
		return Config{}, fmt.Errorf("from the environment (%s): %w", strings.Join(names, ", "), err)
	}
	return c, nil
}

// leafPaths maps the environment name of every settable key of t to its
// YAML path. Structs are walked; everything else is a leaf.
func leafPaths(t reflect.Type, prefix []string, out map[string][]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			leafPaths(f.Type, prefix, out)
			continue
		}
		if tag == "" || tag == "-" {
			continue
		}
		path := append(slices.Clone(prefix), tag)
		if f.Type.Kind() == reflect.Struct && !f.Type.Implements(reflect.TypeFor[yaml.Unmarshaler]()) &&
			!reflect.PointerTo(f.Type).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			leafPaths(f.Type, path, out)
			continue
		}
		out[EnvPrefix+strings.ToUpper(strings.Join(path, "_"))] = path
	}
}

// set puts value at path in a YAML mapping, creating the mappings between.
func set(m *yaml.Node, path []string, value *yaml.Node) {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == path[0] {
			if len(path) == 1 {
				m.Content[i+1] = value
			} else {
				set(m.Content[i+1], path[1:], value)
			}
			return
		}
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Value: path[0]}
	if len(path) == 1 {
		m.Content = append(m.Content, key, value)
		return
	}
	child := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, key, child)
	set(child, path[1:], value)
}
