package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"golang.org/x/crypto/bcrypt"
)

// The hashicorp/random stand-in: random_password, random_string and random_id, their schemas
// written from that provider's documentation (v3). Any change of an argument replaces the
// resource, as in the real provider; values come from crypto/rand.

const randomSchemasJSON = `{"format_version":"1.0","provider_schemas":{"registry.terraform.io/hashicorp/random":{
 "provider":{"version":0,"block":{}},
 "resource_schemas":{
  "random_password":{"version":3,"block":{"attributes":{
   "id":{"type":"string","computed":true},
   "length":{"type":"number","required":true},
   "special":{"type":"bool","optional":true,"computed":true},
   "upper":{"type":"bool","optional":true,"computed":true},
   "lower":{"type":"bool","optional":true,"computed":true},
   "numeric":{"type":"bool","optional":true,"computed":true},
   "number":{"type":"bool","optional":true,"computed":true,"deprecated":true},
   "min_numeric":{"type":"number","optional":true,"computed":true},
   "min_upper":{"type":"number","optional":true,"computed":true},
   "min_lower":{"type":"number","optional":true,"computed":true},
   "min_special":{"type":"number","optional":true,"computed":true},
   "override_special":{"type":"string","optional":true},
   "keepers":{"type":["map","string"],"optional":true},
   "result":{"type":"string","computed":true,"sensitive":true},
   "bcrypt_hash":{"type":"string","computed":true,"sensitive":true}}}},
  "random_string":{"version":2,"block":{"attributes":{
   "id":{"type":"string","computed":true},
   "length":{"type":"number","required":true},
   "special":{"type":"bool","optional":true,"computed":true},
   "upper":{"type":"bool","optional":true,"computed":true},
   "lower":{"type":"bool","optional":true,"computed":true},
   "numeric":{"type":"bool","optional":true,"computed":true},
   "number":{"type":"bool","optional":true,"computed":true,"deprecated":true},
   "min_numeric":{"type":"number","optional":true,"computed":true},
   "min_upper":{"type":"number","optional":true,"computed":true},
   "min_lower":{"type":"number","optional":true,"computed":true},
   "min_special":{"type":"number","optional":true,"computed":true},
   "override_special":{"type":"string","optional":true},
   "keepers":{"type":["map","string"],"optional":true},
   "result":{"type":"string","computed":true}}}},
  "random_id":{"version":0,"block":{"attributes":{
   "id":{"type":"string","computed":true},
   "byte_length":{"type":"number","required":true},
   "prefix":{"type":"string","optional":true},
   "keepers":{"type":["map","string"],"optional":true},
   "b64_url":{"type":"string","computed":true},
   "b64_std":{"type":"string","computed":true},
   "hex":{"type":"string","computed":true},
   "dec":{"type":"string","computed":true}}}}
 },
 "data_source_schemas":{}}}}`

func loadRandomSchemas() (*providerSchemas, error) {
	return decodeProviderSchema([]byte(randomSchemasJSON), "registry.terraform.io/hashicorp/random")
}

// randomDefaults are the documented defaults, known at plan time.
var randomDefaults = map[string]cty.Value{
	"special": cty.True, "upper": cty.True, "lower": cty.True, "numeric": cty.True, "number": cty.True,
	"min_numeric": cty.Zero, "min_upper": cty.Zero, "min_lower": cty.Zero, "min_special": cty.Zero,
}

func planRandom(typ string, planned cty.Value) cty.Value {
	if typ == "random_id" || planned.IsNull() {
		return planned
	}
	m := planned.AsValueMap()
	for k, d := range randomDefaults {
		if v, ok := m[k]; ok && !v.IsKnown() {
			m[k] = d
		}
	}
	if v := m["numeric"]; v.IsKnown() && !v.IsNull() {
		m["number"] = v
	}
	return cty.ObjectVal(m)
}

func randInt(n int) int {
	x, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(x.Int64())
}

func numAttr(m map[string]cty.Value, k string) int {
	v := m[k]
	if v.IsNull() || !v.IsKnown() {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

func boolAttr(m map[string]cty.Value, k string) bool {
	v := m[k]
	return !v.IsNull() && v.IsKnown() && v.True()
}

// applyRandom fills result (and the hashes) of a planned random resource.
func applyRandom(typ string, planned cty.Value) (cty.Value, error) {
	m := planned.AsValueMap()
	if typ == "random_id" {
		n := numAttr(m, "byte_length")
		if n < 1 {
			return cty.NilVal, fmt.Errorf("byte_length must be at least 1")
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		prefix := ""
		if v := m["prefix"]; !v.IsNull() {
			prefix = v.AsString()
		}
		m["b64_url"] = cty.StringVal(prefix + base64.RawURLEncoding.EncodeToString(b))
		m["b64_std"] = cty.StringVal(prefix + base64.StdEncoding.EncodeToString(b))
		m["hex"] = cty.StringVal(prefix + hex.EncodeToString(b))
		m["dec"] = cty.StringVal(prefix + new(big.Int).SetBytes(b).String())
		m["id"] = cty.StringVal(base64.RawURLEncoding.EncodeToString(b))
		return cty.ObjectVal(m), nil
	}
	length := numAttr(m, "length")
	special := "!@#$%&*()-_=+[]{}<>:?"
	if v := m["override_special"]; !v.IsNull() {
		special = v.AsString()
	}
	sets := []struct {
		on    bool
		min   int
		chars string
	}{
		{boolAttr(m, "upper"), numAttr(m, "min_upper"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{boolAttr(m, "lower"), numAttr(m, "min_lower"), "abcdefghijklmnopqrstuvwxyz"},
		{boolAttr(m, "numeric"), numAttr(m, "min_numeric"), "0123456789"},
		{boolAttr(m, "special"), numAttr(m, "min_special"), special},
	}
	var all strings.Builder
	var out []byte
	for _, s := range sets {
		if !s.on {
			continue
		}
		all.WriteString(s.chars)
		for i := 0; i < s.min; i++ {
			out = append(out, s.chars[randInt(len(s.chars))])
		}
	}
	chars := all.String()
	if chars == "" {
		return cty.NilVal, fmt.Errorf("at least one of upper, lower, numeric and special must be true")
	}
	if length < len(out) {
		return cty.NilVal, fmt.Errorf("length (%d) is less than the sum of the minimums (%d)", length, len(out))
	}
	for len(out) < length {
		out = append(out, chars[randInt(len(chars))])
	}
	for i := len(out) - 1; i > 0; i-- { // shuffle
		j := randInt(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	m["result"] = cty.StringVal(string(out))
	m["id"] = cty.StringVal("none")
	if typ == "random_string" {
		m["id"] = cty.StringVal(string(out))
	}
	if _, ok := m["bcrypt_hash"]; ok {
		h, err := bcrypt.GenerateFromPassword(out, bcrypt.DefaultCost)
		if err != nil {
			return cty.NilVal, err
		}
		m["bcrypt_hash"] = cty.StringVal(string(h))
	}
	return cty.ObjectVal(m), nil
}
