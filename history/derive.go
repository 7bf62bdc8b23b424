package history

// derived holds, per output table (by out.id), the rows of one instrument
// by key.
type derived []map[string]row

// derive computes every layout's rows of one instrument from its points.
func (p *plan) derive(in *Inst) derived {
	res := make(derived, len(p.outs))
	for _, o := range p.derived {
		res[o.id] = map[string]row{}
	}
	var folds [2][]pstate
	states := func(m delMode) []pstate {
		k := 0
		if m == delIgnore {
			k = 1
		}
		if folds[k] == nil {
			folds[k] = fold(in.Points, len(p.attrs), m == delIgnore)
		}
		return folds[k]
	}
	if p.master != nil {
		p.deriveCurrent(res, in, states(p.masterDel), p.master, p.masterAttr, true, -1)
	}
	for _, L := range p.layouts {
		st := states(L.del)
		switch L.shape {
		case shapeGroup:
			p.deriveHist(res, in, st, L, L.hist[0], L.unit, -1)
			if L.current != nil {
				p.deriveCurrent(res, in, st, L.current, L.unit, false, -1)
			}
		case shapePerAttr:
			for j, a := range L.unit {
				p.deriveHist(res, in, st, L, L.hist[j], L.unit[j:j+1], a)
			}
		case shapeKind:
			for j, a := range L.unit {
				p.deriveHist(res, in, st, L, L.hist[0], L.unit[j:j+1], a)
				if L.current != nil {
					p.deriveCurrent(res, in, st, L.current, L.unit[j:j+1], false, a)
				}
			}
		default:
			for j, a := range L.unit {
				p.deriveVertical(res, in, st, L, a, L.unit[j:j+1])
			}
		}
	}
	return res
}

func meta(d *rowData, s *pstate) {
	d.op, d.seq, d.part, d.off = s.op.String(), s.seq, s.part, s.off
}

func (p *plan) put(res derived, o *out, d *rowData) {
	r := p.build(o, d)
	res[o.id][o.key(r)] = r
}

// deriveHist writes the history rows of one unit: with values after, a row
// per change holding the new values (a deletion row, or none, when the
// change deleted the instrument); with values before, a row per change of
// an existing instrument holding the values before it.
func (p *plan) deriveHist(res derived, in *Inst, st []pstate, L *layout, o *out, unit []int, attr int) {
	for _, c := range changes(in.Points, st, unit, L.instance) {
		d := rowData{id: in.ID, changeKind: "change", attr: attr, t: c.t}
		meta(&d, c.cur)
		if L.changed {
			d.only = make([]bool, len(p.attrs))
			d.changed = p.changedList(unit, c.prev, c.cur, d.only)
		}
		if L.after {
			if c.cur.exists {
				d.vals = c.cur.vals
			} else if L.del != delRow {
				continue
			}
			d.from, d.to, d.toOpen = c.t, c.until, !c.hasEnd
		} else {
			if !c.prev.exists {
				continue // a creation: no values before
			}
			d.vals = c.prev.vals
			d.from, d.to = c.from, c.t
		}
		p.put(res, o, &d)
	}
}

// deriveVertical writes one attribute's rows of a vertical history: the old
// and the new value of every change of an existing instrument.
func (p *plan) deriveVertical(res derived, in *Inst, st []pstate, L *layout, a int, unit []int) {
	o := L.hist[0]
	for _, c := range changes(in.Points, st, unit, false) {
		if !c.prev.exists {
			continue
		}
		d := rowData{id: in.ID, changeKind: "change", attr: a, t: c.t,
			oldV: valOf(c.prev, a), newV: valOf(c.cur, a), entityNo: int64(L.entOf[a])}
		meta(&d, c.cur)
		p.put(res, o, &d)
	}
}

// deriveCurrent writes the current row of a unit (a master, a group's or an
// attribute's current table): the latest values of an instrument that ever
// existed, and when it is deleted, the values before the deletion and
// deleted_at.
func (p *plan) deriveCurrent(res derived, in *Inst, st []pstate, o *out, unit []int, instance bool, attr int) {
	var last, created *pstate
	var createdAt, deletedAt int64
	prev := noState
	for i := range st {
		s := &st[i]
		if !s.eff {
			continue
		}
		if s.exists {
			last = s
			if !prev.exists {
				created, createdAt = s, in.Points[i].T
			}
		} else if prev.exists {
			deletedAt = in.Points[i].T
		}
		prev = s
	}
	if last == nil {
		return
	}
	d := rowData{id: in.ID, attr: attr, vals: last.vals}
	if ch := changes(in.Points, st, unit, instance); len(ch) > 0 {
		c := ch[len(ch)-1]
		d.t = c.t
		meta(&d, c.cur)
	} else {
		d.t = createdAt
		meta(&d, created)
	}
	if !prev.exists {
		d.deleted, d.deletedAt = true, deletedAt
	}
	p.put(res, o, &d)
}
