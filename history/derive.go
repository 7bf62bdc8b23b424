package history

// derived holds, per output table (by out.id), the rows of one instrument
// by key.
type derived []map[string]row

// derive computes the rows of one instrument that an event at valid time t
// may touch: every row of a change from the last change before t on, and
// the current rows. The rows of earlier changes cannot depend on it.
func (p *plan) derive(in *Inst, t int64) derived {
	res := make(derived, len(p.outs))
	for _, o := range p.derived {
		res[o.id] = map[string]row{}
	}
	states := func(m delMode) []pstate { return in.states(len(p.attrs), m == delIgnore) }
	if p.master != nil {
		p.deriveCurrent(res, in, states(p.masterDel), p.master, p.masterAttr, true, -1)
	}
	for _, L := range p.layouts {
		st := states(L.del)
		switch L.shape {
		case shapeGroup:
			p.deriveHist(res, in, st, L, L.hist[0], L.unit, -1, t, in.mark(L.mark, p.marks+1))
			if L.current != nil {
				p.deriveCurrent(res, in, st, L.current, L.unit, false, -1)
			}
		case shapePerAttr:
			for j, a := range L.unit {
				p.deriveHist(res, in, st, L, L.hist[j], L.unit[j:j+1], a, t, in.mark(L.mark+j, p.marks+1))
			}
		case shapeKind:
			for j, a := range L.unit {
				p.deriveHist(res, in, st, L, L.hist[0], L.unit[j:j+1], a, t, in.mark(L.mark+j, p.marks+1))
				if L.current != nil {
					p.deriveCurrent(res, in, st, L.current, L.unit[j:j+1], false, a)
				}
			}
		default:
			for j, a := range L.unit {
				p.deriveVertical(res, in, st, L, a, L.unit[j:j+1], t, in.mark(L.mark+j, p.marks+1))
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
func (p *plan) deriveHist(res derived, in *Inst, st []pstate, L *layout, o *out, unit []int, attr int, t int64, mk *scanMark) {
	for _, c := range changes(in.Points, st, unit, L.instance, t, mk) {
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
func (p *plan) deriveVertical(res derived, in *Inst, st []pstate, L *layout, a int, unit []int, t int64, mk *scanMark) {
	o := L.hist[0]
	for _, c := range changes(in.Points, st, unit, false, t, mk) {
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
// deleted_at. changed_at is the unit's last change, a deletion included. It
// scans back from the latest point, so a change at the end costs little.
func (p *plan) deriveCurrent(res derived, in *Inst, st []pstate, o *out, unit []int, instance bool, attr int) {
	n := len(st)
	if n == 0 {
		return
	}
	prevOf := func(i int) *pstate {
		if i == 0 {
			return noState
		}
		return &st[i-1]
	}
	d := rowData{id: in.ID, attr: attr}
	lastIdx := n - 1 // the last point at which the instrument existed
	if !st[n-1].exists {
		i := n - 1
		for i >= 0 && !st[i].exists {
			i--
		}
		if i < 0 {
			return // never existed
		}
		lastIdx = i
		d.deleted, d.deletedAt = true, in.Points[i+1].T
	}
	d.vals = st[lastIdx].vals
	var at *pstate
	for i := n - 1; i >= 0 && at == nil; i-- {
		s, prev := &st[i], prevOf(i)
		if !s.eff {
			continue
		}
		changed := prev.exists && !s.exists || instance && !prev.exists && s.exists
		for _, a := range unit {
			if changed {
				break
			}
			changed = !valEq(valOf(prev, a), valOf(s, a))
		}
		if changed {
			at, d.t = s, in.Points[i].T
		}
	}
	if at == nil { // nothing of the unit changed since the creation
		i := lastIdx
		for i > 0 && st[i-1].exists {
			i--
		}
		at, d.t = &st[i], in.Points[i].T
	}
	meta(&d, at)
	p.put(res, o, &d)
}
