package history

import (
	"fmt"
	"strings"
)

// SQL returns the CREATE OR REPLACE VIEW / MACRO statements shipped with the
// outputs, to run on every open after the tables exist. For an entity E:
//
//   - E_lifecycle: one row per period an instrument existed (from E_bitemporal);
//   - <layout>_timeline: per layout, every attribute's value intervals
//     (instrument_id, attribute, valid_from, valid_to, value_num, value_str)
//     rebuilt from that layout's tables alone, cut to the lifecycle;
//   - <layout>_as_of(t): per layout, its attributes as of t;
//   - E_timeline: every attribute from the first layout that keeps it (the
//     primary layout first), the others from E_bitemporal;
//   - E_as_of(t), E_current: instrument_id and every attribute, one row per
//     instrument that exists at t (E_current: after its latest change);
//   - E_as_known(t, k): the state as of valid time t as recorded by time k;
//   - E_change_log, E_changes(t1, t2), E_attr_log(attr): changes;
//   - the code tables of methods 6 and 7, as views over VALUES.
//
// It returns nil when history.tables is empty or the spec is invalid.
func (s *Spec) SQL() []string {
	p, err := s.compile()
	if err != nil || len(p.layouts) == 0 {
		return nil
	}
	return p.sql()
}

const (
	inf  = "'infinity'::TIMESTAMP"
	ninf = "'-infinity'::TIMESTAMP"
)

// norm turns an open end (NULL or 9999-12-31) into infinity.
func norm(x string) string {
	return fmt.Sprintf("CASE WHEN %s IS NULL OR %s >= TIMESTAMP '9999-12-31' THEN %s ELSE %s END", x, x, inf, x)
}

func sqlStr(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// vals selects an attribute's value as (value_num, value_str).
func (p *plan) vals(a int, expr string) string {
	if p.attrs[a].num {
		return fmt.Sprintf("CAST(%s AS DOUBLE) AS value_num, CAST(NULL AS VARCHAR) AS value_str", expr)
	}
	return fmt.Sprintf("CAST(NULL AS DOUBLE) AS value_num, CAST(%s AS VARCHAR) AS value_str", expr)
}

func (p *plan) sql() []string {
	E := p.entity
	var q []string
	bt := p.bt.t.Name
	q = append(q, fmt.Sprintf(`CREATE OR REPLACE VIEW %s_lifecycle AS
WITH b AS (SELECT instrument_id, valid_from, %s AS valid_to FROM %s WHERE %s = %s),
g AS (SELECT *, CASE WHEN lag(valid_to) OVER (PARTITION BY instrument_id ORDER BY valid_from) = valid_from THEN 0 ELSE 1 END AS brk FROM b),
h AS (SELECT *, sum(brk) OVER (PARTITION BY instrument_id ORDER BY valid_from) AS period FROM g)
SELECT instrument_id, min(valid_from) AS created_at, CASE WHEN max(valid_to) = %s THEN NULL ELSE max(valid_to) END AS deleted_at
FROM h GROUP BY instrument_id, period`, E, norm("valid_to"), bt, norm("recorded_to"), inf, inf))

	for _, L := range p.layouts {
		q = append(q, p.codeViews(L)...)
		q = append(q, fmt.Sprintf("CREATE OR REPLACE VIEW %s_timeline AS\n%s", L.name, p.layoutTimeline(L)))
		q = append(q, fmt.Sprintf("CREATE OR REPLACE MACRO %s_as_of(t) AS TABLE\n%s", L.name,
			p.pivot(L.name+"_timeline", p.lifecycle(L.del), L.unit, asOfPred)))
	}

	// E_timeline: each attribute from the first layout keeping it.
	order := []*layout{p.layouts[p.primary]}
	for i, L := range p.layouts {
		if i != p.primary {
			order = append(order, L)
		}
	}
	covered := map[int]bool{}
	var parts []string
	for _, L := range order {
		var mine []string
		for _, a := range L.unit {
			if !covered[a] {
				covered[a] = true
				mine = append(mine, sqlStr(p.attrs[a].name))
			}
		}
		if len(mine) > 0 {
			parts = append(parts, fmt.Sprintf("SELECT * FROM %s_timeline WHERE attribute IN (%s)", L.name, strings.Join(mine, ", ")))
		}
	}
	for a := range p.attrs {
		if !covered[a] {
			parts = append(parts, fmt.Sprintf("SELECT instrument_id, %s AS attribute, valid_from, %s AS valid_to, %s FROM %s WHERE %s = %s",
				sqlStr(p.attrs[a].name), norm("valid_to"), p.vals(a, p.attrs[a].name), bt, norm("recorded_to"), inf))
		}
	}
	q = append(q, fmt.Sprintf("CREATE OR REPLACE VIEW %s_timeline AS\n%s", E, strings.Join(parts, "\nUNION ALL\n")))

	primaryDel := p.layouts[p.primary].del
	all := allAttrs(len(p.attrs))
	q = append(q, fmt.Sprintf("CREATE OR REPLACE MACRO %s_as_of(t) AS TABLE\n%s", E, p.pivot(E+"_timeline", p.lifecycle(primaryDel), all, asOfPred)))
	q = append(q, fmt.Sprintf("CREATE OR REPLACE VIEW %s_current AS\n%s", E, p.pivot(E+"_timeline", p.lifecycle(primaryDel), all, currentPred)))

	var cols []string
	for _, a := range p.attrs {
		cols = append(cols, a.name)
	}
	q = append(q, fmt.Sprintf(`CREATE OR REPLACE MACRO %s_as_known(t, k) AS TABLE
SELECT instrument_id, %s FROM %s
WHERE valid_from <= CAST(t AS TIMESTAMP) AND CAST(t AS TIMESTAMP) < %s
  AND recorded_from <= CAST(k AS TIMESTAMP) AND CAST(k AS TIMESTAMP) < %s
ORDER BY instrument_id`, E, strings.Join(cols, ", "), bt, norm("valid_to"), norm("recorded_to")))

	q = append(q, fmt.Sprintf(`CREATE OR REPLACE VIEW %s_change_log AS
WITH x AS (SELECT instrument_id, attribute, valid_from, valid_to, coalesce(CAST(value_num AS VARCHAR), value_str) AS v FROM %s_timeline),
y AS (SELECT *, lag(v) OVER w AS pv, lag(valid_to) OVER w AS pto, lead(valid_from) OVER w AS nfrom
      FROM x WINDOW w AS (PARTITION BY instrument_id, attribute ORDER BY valid_from))
SELECT instrument_id, attribute, valid_from AS changed_at, CASE WHEN pto = valid_from THEN pv END AS old_value, v AS new_value
FROM y WHERE CASE WHEN pto = valid_from THEN pv IS DISTINCT FROM v ELSE v IS NOT NULL END
UNION ALL
SELECT instrument_id, attribute, valid_to AS changed_at, v AS old_value, CAST(NULL AS VARCHAR) AS new_value
FROM y WHERE valid_to <> %s AND nfrom IS DISTINCT FROM valid_to AND v IS NOT NULL`, E, E, inf))
	q = append(q, fmt.Sprintf(`CREATE OR REPLACE MACRO %s_changes(t1, t2) AS TABLE
SELECT * FROM %s_change_log WHERE changed_at >= CAST(t1 AS TIMESTAMP) AND changed_at < CAST(t2 AS TIMESTAMP)
ORDER BY instrument_id, changed_at, attribute`, E, E))
	q = append(q, fmt.Sprintf(`CREATE OR REPLACE MACRO %s_attr_log(attr) AS TABLE
SELECT instrument_id, changed_at, old_value, new_value FROM %s_change_log WHERE attribute = attr
ORDER BY instrument_id, changed_at`, E, E))
	return q
}

// lifecycle is the relation (instrument_id, lc_from, lc_to) of the periods
// an instrument exists, under a delete handling. With deletes ignored, an
// instrument exists from the first valid time any recorded version gave it.
func (p *plan) lifecycle(m delMode) string {
	if m == delIgnore {
		return fmt.Sprintf("SELECT instrument_id, min(valid_from) AS lc_from, %s AS lc_to FROM %s GROUP BY instrument_id", inf, p.bt.t.Name)
	}
	return fmt.Sprintf("SELECT instrument_id, created_at AS lc_from, coalesce(deleted_at, %s) AS lc_to FROM %s_lifecycle", inf, p.entity)
}

type pred func(x, l string) (timeline, lifecycle string)

func asOfPred(x, l string) (string, string) {
	t := "CAST(t AS TIMESTAMP)"
	return fmt.Sprintf("%s.valid_from <= %s AND %s < %s.valid_to", x, t, t, x),
		fmt.Sprintf("%s.lc_from <= %s AND %s < %s.lc_to", l, t, t, l)
}

func currentPred(x, l string) (string, string) {
	return fmt.Sprintf("%s.valid_to = %s", x, inf), fmt.Sprintf("%s.lc_to = %s", l, inf)
}

// pivot turns a timeline into one row per existing instrument with a
// column per attribute. It joins nothing (existence rows have a NULL
// attribute), so a caller may call the macro laterally:
// SELECT * FROM (VALUES ...) d(t), instrument_as_of(d.t).
func (p *plan) pivot(timeline, lc string, attrs []int, pr pred) string {
	var cols []string
	for _, a := range attrs {
		v := "value_str"
		if p.attrs[a].num {
			v = "value_num"
		}
		cols = append(cols, fmt.Sprintf("max(%s) FILTER (WHERE attribute = %s) AS %s", v, sqlStr(p.attrs[a].name), p.attrs[a].name))
	}
	xp, lp := pr("x", "l")
	return fmt.Sprintf(`SELECT instrument_id, %s FROM (
  SELECT l.instrument_id, CAST(NULL AS VARCHAR) AS attribute, CAST(NULL AS DOUBLE) AS value_num, CAST(NULL AS VARCHAR) AS value_str
  FROM (%s) l WHERE %s
  UNION ALL
  SELECT x.instrument_id, x.attribute, x.value_num, x.value_str FROM %s x WHERE %s)
GROUP BY instrument_id HAVING count(*) FILTER (WHERE attribute IS NULL) > 0
ORDER BY instrument_id`, strings.Join(cols, ", "), lc, lp, timeline, xp)
}

// layoutTimeline rebuilds every attribute's value intervals from one
// layout's tables. Rows holding values after a change start an interval that
// lasts until the next row of the same attribute; rows holding values before
// a change end one that began at the previous row, and the current table
// gives the last one. Each interval is then cut to the lifecycle period
// holding its start (values after) or its end (values before).
func (p *plan) layoutTimeline(L *layout) string {
	track := "op <> 'void'"
	if L.corr == corrKind {
		track += " AND change_kind = 'change'"
	}
	var parts []string
	for j, a := range L.unit {
		name := p.attrs[a].name
		h := L.hist[0].t.Name
		expr := name
		part := "instrument_id"
		filter := track
		switch L.shape {
		case shapePerAttr:
			h = L.hist[j].t.Name
		case shapeKind:
			expr = L.unitNm
			filter += fmt.Sprintf(" AND %s_kind = %s", L.unitNm, sqlStr(name))
		case shapeVertical, shapeIntegrated:
			expr = "old_value_str"
			if p.attrs[a].num {
				expr = "old_value_num"
			}
			filter += fmt.Sprintf(" AND attr_code = %d", p.attrs[a].code)
			if L.shape == shapeIntegrated {
				part = "entity_key"
				filter += fmt.Sprintf(" AND entity_no = %d", L.entOf[a])
			}
		}
		if L.changed {
			filter += fmt.Sprintf(" AND list_contains(string_split(changed_attrs, ','), %s)", sqlStr(name))
		}
		if L.after {
			f := "changed_at"
			if L.interval {
				f = "valid_from"
			}
			parts = append(parts, fmt.Sprintf(`SELECT instrument_id, %s AS attribute, valid_from, valid_to, value_num, value_str FROM (
  SELECT instrument_id, %s AS valid_from, coalesce(lead(%s) OVER (PARTITION BY instrument_id ORDER BY %s), %s) AS valid_to, %s, op
  FROM %s WHERE %s) WHERE op <> 'delete'`, sqlStr(name), f, f, f, inf, p.vals(a, expr), h, filter))
			continue
		}
		e := "changed_at"
		if L.interval {
			e = "valid_to"
		}
		parts = append(parts, fmt.Sprintf(`SELECT %s AS instrument_id, %s AS attribute, coalesce(lag(%s) OVER (PARTITION BY %s ORDER BY %s), %s) AS valid_from, %s AS valid_to, %s
  FROM %s WHERE %s`, part, sqlStr(name), e, part, e, ninf, e, p.vals(a, expr), h, filter))
		// The current value.
		cur, cexpr, cfilter := p.master.t.Name, "c."+name, "c.op <> 'void' AND c.deleted_at IS NULL"
		if L.current != nil {
			cur = L.current.t.Name
			if L.shape == shapeKind {
				cexpr = "c." + L.unitNm
				cfilter += fmt.Sprintf(" AND c.%s_kind = %s", L.unitNm, sqlStr(name))
			}
		}
		parts = append(parts, fmt.Sprintf(`SELECT c.instrument_id, %s AS attribute, coalesce(h.last, %s) AS valid_from, %s AS valid_to, %s
  FROM %s c LEFT JOIN (SELECT %s AS instrument_id, max(%s) AS last FROM %s WHERE %s GROUP BY ALL) h ON h.instrument_id = c.instrument_id
  WHERE %s`, sqlStr(name), ninf, inf, p.vals(a, cexpr), cur, part, e, h, filter, cfilter))
	}
	anchor := "l.lc_from <= x.valid_from AND x.valid_from < l.lc_to"
	if !L.after {
		anchor = "l.lc_from < x.valid_to AND x.valid_to <= l.lc_to"
	}
	return fmt.Sprintf(`SELECT x.instrument_id, x.attribute, greatest(x.valid_from, l.lc_from) AS valid_from, least(x.valid_to, l.lc_to) AS valid_to, x.value_num, x.value_str
FROM (
%s
) x JOIN (%s) l ON l.instrument_id = x.instrument_id AND %s
WHERE greatest(x.valid_from, l.lc_from) < least(x.valid_to, l.lc_to)`, strings.Join(parts, "\nUNION ALL\n"), p.lifecycle(L.del), anchor)
}

// codeViews are the code tables of methods 6 and 7.
func (p *plan) codeViews(L *layout) []string {
	switch L.shape {
	case shapeVertical:
		var vs []string
		for _, a := range L.unit {
			vs = append(vs, fmt.Sprintf("(%d, %s)", p.attrs[a].code, sqlStr(p.attrs[a].name)))
		}
		return []string{fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM (VALUES %s) AS v(attr_code, attr_name)", L.codes, strings.Join(vs, ", "))}
	case shapeIntegrated:
		var es, cs []string
		for _, e := range L.entities {
			es = append(es, fmt.Sprintf("(%d, %s, 'instrument_id')", e.no, sqlStr(e.name)))
			for _, a := range e.attrs {
				cs = append(cs, fmt.Sprintf("(%d, %d, %s)", e.no, p.attrs[a].code, sqlStr(p.attrs[a].name)))
			}
		}
		return []string{
			fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM (VALUES %s) AS v(entity_no, entity_name, key_column)", L.registry, strings.Join(es, ", ")),
			fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM (VALUES %s) AS v(entity_no, attr_code, attr_name)", L.codes, strings.Join(cs, ", ")),
		}
	}
	return nil
}
