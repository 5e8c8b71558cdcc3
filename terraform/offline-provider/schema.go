package main

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// The published schemas (schema/README.md says where they come from) and the provider
// configuration blocks written from the providers' documentation.
//
//go:embed schema
var schemaFS embed.FS

// Hand-written schemas of resources the published data lacks (e.g. aws_wafv2_web_acl), in the
// same format; merged over the published ones and named as hand-written in describe().
//
//go:embed schema-extra
var extraFS embed.FS

const awsSource = "registry.terraform.io/hashicorp/aws"

// DefaultAWSVersion is served when neither the binary's name nor the environment names one.
const DefaultAWSVersion = "6.47.0"

var exeName = regexp.MustCompile(`^terraform-provider-([a-z0-9]+)(?:_v([0-9]+\.[0-9]+\.[0-9]+))?`)

// identify reads which provider and version to serve from the executable's name
// (terraform-provider-aws_v5.82.0); override wins for the AWS schema version.
func identify(exe, override string) (kind, version string) {
	kind, version = "aws", ""
	if m := exeName.FindStringSubmatch(exe); m != nil {
		kind, version = m[1], m[2]
	}
	if kind == "aws" && override != "" {
		version = override
	}
	if kind == "aws" && version == "" {
		version = DefaultAWSVersion
	}
	return kind, version
}

// AvailableAWSVersions lists the embedded schema versions.
func AvailableAWSVersions() []string {
	entries, _ := fs.Glob(schemaFS, "schema/aws-*.json.gz")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(path.Base(e), "aws-"), ".json.gz"))
	}
	sort.Strings(out)
	return out
}

// providerSchemas is what one provider serves: its configuration block, resources and data
// sources, and which of them come from hand-written schemas.
type providerSchemas struct {
	Provider    *tfjson.Schema
	Resources   map[string]*tfjson.Schema
	DataSources map[string]*tfjson.Schema
	HandWritten []string
}

// loadAWSSchemas reads the published schema of hashicorp/aws at version, the hand-written
// provider block and any hand-written extras.
func loadAWSSchemas(version string) (*providerSchemas, error) {
	gz, err := schemaFS.ReadFile("schema/aws-" + version + ".json.gz")
	if err != nil {
		return nil, fmt.Errorf("no published schema of hashicorp/aws %s embedded (have %s)", version, strings.Join(AvailableAWSVersions(), ", "))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	ps, err := decodeProviderSchema(raw, awsSource)
	if err != nil {
		return nil, fmt.Errorf("schema of hashicorp/aws %s: %w", version, err)
	}
	cfg, err := schemaFS.ReadFile("schema/provider-aws.json")
	if err != nil {
		return nil, err
	}
	if ps.Provider, err = decodeSchema(cfg); err != nil {
		return nil, fmt.Errorf("schema/provider-aws.json: %w", err)
	}
	extras, _ := fs.Glob(extraFS, "schema-extra/*.json")
	sort.Strings(extras)
	for _, f := range extras {
		b, err := extraFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		extra, err := decodeProviderSchema(b, awsSource)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, s := range extra.Resources {
			ps.Resources[name] = s
			ps.HandWritten = append(ps.HandWritten, "resource "+name+" ("+f+")")
		}
		for name, s := range extra.DataSources {
			ps.DataSources[name] = s
			ps.HandWritten = append(ps.HandWritten, "data source "+name+" ("+f+")")
		}
	}
	return ps, nil
}

func decodeProviderSchema(raw []byte, source string) (*providerSchemas, error) {
	var all tfjson.ProviderSchemas
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	p, ok := all.Schemas[source]
	if !ok {
		return nil, fmt.Errorf("no provider_schemas[%q]", source)
	}
	ps := &providerSchemas{Provider: p.ConfigSchema, Resources: p.ResourceSchemas, DataSources: p.DataSourceSchemas}
	if ps.Resources == nil {
		ps.Resources = map[string]*tfjson.Schema{}
	}
	if ps.DataSources == nil {
		ps.DataSources = map[string]*tfjson.Schema{}
	}
	return ps, nil
}

func decodeSchema(raw []byte) (*tfjson.Schema, error) {
	var s tfjson.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if s.Block == nil {
		return nil, fmt.Errorf("schema has no block")
	}
	return &s, nil
}

// impliedType is the cty object type of values of block b.
func impliedType(b *tfjson.SchemaBlock) cty.Type {
	atys := map[string]cty.Type{}
	for name, a := range b.Attributes {
		atys[name] = attrType(a)
	}
	for name, bt := range b.NestedBlocks {
		ety := impliedType(bt.Block)
		switch bt.NestingMode {
		case tfjson.SchemaNestingModeList:
			if ety.HasDynamicTypes() {
				atys[name] = cty.DynamicPseudoType
			} else {
				atys[name] = cty.List(ety)
			}
		case tfjson.SchemaNestingModeSet:
			atys[name] = cty.Set(ety)
		case tfjson.SchemaNestingModeMap:
			atys[name] = cty.Map(ety)
		default: // single, group
			atys[name] = ety
		}
	}
	return cty.Object(atys)
}

func attrType(a *tfjson.SchemaAttribute) cty.Type {
	if n := a.AttributeNestedType; n != nil {
		atys := map[string]cty.Type{}
		for name, na := range n.Attributes {
			atys[name] = attrType(na)
		}
		ety := cty.Object(atys)
		switch n.NestingMode {
		case tfjson.SchemaNestingModeList:
			return cty.List(ety)
		case tfjson.SchemaNestingModeSet:
			return cty.Set(ety)
		case tfjson.SchemaNestingModeMap:
			return cty.Map(ety)
		default:
			return ety
		}
	}
	return a.AttributeType
}

// tfType converts a cty type to the plugin library's type system.
func tfType(t cty.Type) tftypes.Type {
	b, err := t.MarshalJSON()
	if err != nil {
		panic(err)
	}
	tt, err := tftypes.ParseJSONType(b) //nolint:staticcheck // the documented bridge from JSON type syntax
	if err != nil {
		panic(fmt.Sprintf("type %s: %v", b, err))
	}
	return tt
}

// protoSchema converts a published schema to the protocol's form.
func protoSchema(s *tfjson.Schema) *tfprotov6.Schema {
	return &tfprotov6.Schema{Version: int64(s.Version), Block: protoBlock(s.Block)}
}

func protoBlock(b *tfjson.SchemaBlock) *tfprotov6.SchemaBlock {
	out := &tfprotov6.SchemaBlock{Description: b.Description, Deprecated: b.Deprecated}
	for _, name := range sortedKeys(b.Attributes) {
		out.Attributes = append(out.Attributes, protoAttr(name, b.Attributes[name]))
	}
	for _, name := range sortedKeys(b.NestedBlocks) {
		bt := b.NestedBlocks[name]
		nb := &tfprotov6.SchemaNestedBlock{TypeName: name, Block: protoBlock(bt.Block),
			MinItems: int64(bt.MinItems), MaxItems: int64(bt.MaxItems)}
		switch bt.NestingMode {
		case tfjson.SchemaNestingModeList:
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeList
		case tfjson.SchemaNestingModeSet:
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeSet
		case tfjson.SchemaNestingModeMap:
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeMap
		case tfjson.SchemaNestingModeGroup:
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeGroup
		default:
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeSingle
		}
		out.BlockTypes = append(out.BlockTypes, nb)
	}
	return out
}

func protoAttr(name string, a *tfjson.SchemaAttribute) *tfprotov6.SchemaAttribute {
	pa := &tfprotov6.SchemaAttribute{Name: name, Description: a.Description, Required: a.Required,
		Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, Deprecated: a.Deprecated,
		WriteOnly: a.WriteOnly}
	if n := a.AttributeNestedType; n != nil {
		obj := &tfprotov6.SchemaObject{}
		for _, an := range sortedKeys(n.Attributes) {
			obj.Attributes = append(obj.Attributes, protoAttr(an, n.Attributes[an]))
		}
		switch n.NestingMode {
		case tfjson.SchemaNestingModeList:
			obj.Nesting = tfprotov6.SchemaObjectNestingModeList
		case tfjson.SchemaNestingModeSet:
			obj.Nesting = tfprotov6.SchemaObjectNestingModeSet
		case tfjson.SchemaNestingModeMap:
			obj.Nesting = tfprotov6.SchemaObjectNestingModeMap
		default:
			obj.Nesting = tfprotov6.SchemaObjectNestingModeSingle
		}
		pa.NestedType = obj
		return pa
	}
	pa.Type = tfType(a.AttributeType)
	return pa
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
