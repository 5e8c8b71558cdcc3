package main

import (
	"sort"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"
)

// planObject is the planned new value of one block: configured values as configured, computed
// values left null in the configuration kept from the prior state when there is one, otherwise
// unknown until apply. Nested blocks are planned element by element (lists by index, maps by key,
// sets by matching a prior element that agrees with every known value).
func planObject(b *tfjson.SchemaBlock, cfg, prior cty.Value) cty.Value {
	if cfg.IsNull() || !cfg.IsKnown() {
		return cfg
	}
	if !prior.IsKnown() {
		prior = cty.NullVal(prior.Type())
	}
	vals := map[string]cty.Value{}
	for name, a := range b.Attributes {
		cv := cfg.GetAttr(name)
		pv := cty.NullVal(cv.Type())
		if !prior.IsNull() {
			pv = prior.GetAttr(name)
		}
		switch {
		case !cv.IsNull():
			vals[name] = cv
		case a.Computed && !pv.IsNull():
			vals[name] = pv
		case a.Computed:
			vals[name] = cty.UnknownVal(cv.Type())
		default:
			vals[name] = cv
		}
	}
	for name, bt := range b.NestedBlocks {
		cv := cfg.GetAttr(name)
		pv := cty.NullVal(cv.Type())
		if !prior.IsNull() {
			pv = prior.GetAttr(name)
		}
		vals[name] = planNested(bt, cv, pv)
	}
	if len(vals) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(vals)
}

func planNested(bt *tfjson.SchemaBlockType, cv, pv cty.Value) cty.Value {
	if cv.IsNull() || !cv.IsKnown() {
		return cv
	}
	if !pv.IsKnown() {
		pv = cty.NullVal(pv.Type())
	}
	switch bt.NestingMode {
	case tfjson.SchemaNestingModeList:
		if !cv.Type().IsListType() { // a list of dynamically typed objects is a tuple
			return cv
		}
		var priors []cty.Value
		if !pv.IsNull() {
			priors = pv.AsValueSlice()
		}
		var out []cty.Value
		for i, e := range cv.AsValueSlice() {
			p := cty.NullVal(e.Type())
			if i < len(priors) {
				p = priors[i]
			}
			out = append(out, planObject(bt.Block, e, p))
		}
		if len(out) == 0 {
			return cty.ListValEmpty(cv.Type().ElementType())
		}
		return cty.ListVal(out)
	case tfjson.SchemaNestingModeSet:
		var priors []cty.Value
		if !pv.IsNull() {
			priors = pv.AsValueSlice()
		}
		var out []cty.Value
		for _, e := range cv.AsValueSlice() {
			planned := planObject(bt.Block, e, cty.NullVal(e.Type()))
			for _, p := range priors {
				if agrees(planned, p) {
					planned = p
					break
				}
			}
			out = append(out, planned)
		}
		if len(out) == 0 {
			return cty.SetValEmpty(cv.Type().ElementType())
		}
		return cty.SetVal(out)
	case tfjson.SchemaNestingModeMap:
		out := map[string]cty.Value{}
		for k, e := range cv.AsValueMap() {
			p := cty.NullVal(e.Type())
			if !pv.IsNull() && pv.Type().IsMapType() && pv.HasIndex(cty.StringVal(k)).True() {
				p = pv.Index(cty.StringVal(k))
			}
			out[k] = planObject(bt.Block, e, p)
		}
		if len(out) == 0 {
			return cv
		}
		if cv.Type().IsMapType() {
			return cty.MapVal(out)
		}
		return cty.ObjectVal(out)
	default:
		return planObject(bt.Block, cv, pv)
	}
}

// agrees reports whether every known value of planned equals the value at the same place in
// prior (prior fully known).
func agrees(planned, prior cty.Value) bool {
	if !planned.IsKnown() {
		return true
	}
	if planned.IsNull() || prior.IsNull() {
		return planned.IsNull() == prior.IsNull()
	}
	ty := planned.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if !agrees(planned.GetAttr(name), prior.GetAttr(name)) {
				return false
			}
		}
		return true
	case ty.IsListType() || ty.IsTupleType():
		if planned.LengthInt() != prior.LengthInt() {
			return false
		}
		ps, qs := planned.AsValueSlice(), prior.AsValueSlice()
		for i := range ps {
			if !agrees(ps[i], qs[i]) {
				return false
			}
		}
		return true
	case ty.IsMapType():
		pm, qm := planned.AsValueMap(), prior.AsValueMap()
		if len(pm) != len(qm) {
			return false
		}
		for k, v := range pm {
			if !agrees(v, qm[k]) {
				return false
			}
		}
		return true
	case ty.IsSetType():
		if !planned.IsWhollyKnown() {
			return planned.LengthInt() == prior.LengthInt()
		}
		return planned.Equals(prior).True()
	default:
		return planned.Equals(prior).True()
	}
}

// withTagsAll sets tags_all to the provider's default_tags overlaid by the resource's tags, as
// the AWS provider does at plan time (when both are known).
func withTagsAll(b *tfjson.SchemaBlock, planned cty.Value, defaults map[string]string) cty.Value {
	if _, ok := b.Attributes["tags_all"]; !ok || planned.IsNull() {
		return planned
	}
	if _, ok := b.Attributes["tags"]; !ok {
		return planned
	}
	tags := planned.GetAttr("tags")
	all := map[string]cty.Value{}
	for k, v := range defaults {
		all[k] = cty.StringVal(v)
	}
	if !tags.IsWhollyKnown() {
		return setAttr(planned, "tags_all", cty.UnknownVal(cty.Map(cty.String)))
	}
	if !tags.IsNull() {
		for k, v := range tags.AsValueMap() {
			if v.IsNull() {
				continue
			}
			all[k] = v
		}
	}
	if len(all) == 0 {
		return setAttr(planned, "tags_all", cty.MapValEmpty(cty.String))
	}
	return setAttr(planned, "tags_all", cty.MapVal(all))
}

// withRegion sets the per-resource region argument of hashicorp/aws 6 to the provider's region
// when it is not configured (as the provider does at plan time).
func withRegion(b *tfjson.SchemaBlock, planned cty.Value, region string) cty.Value {
	a, ok := b.Attributes["region"]
	if !ok || !a.Computed || !a.Optional || planned.IsNull() || region == "" {
		return planned
	}
	if v := planned.GetAttr("region"); v.IsKnown() && !v.IsNull() {
		return planned
	}
	return setAttr(planned, "region", cty.StringVal(region))
}

func setAttr(obj cty.Value, name string, v cty.Value) cty.Value {
	m := obj.AsValueMap()
	m[name] = v
	return cty.ObjectVal(m)
}

func attrNames(obj cty.Value) []string {
	var names []string
	for n := range obj.Type().AttributeTypes() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
