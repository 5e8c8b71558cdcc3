package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"
)

// provider serves one provider's schema as a dry run (see main.go).
type provider struct {
	kind    string // aws or random
	version string
	schemas *providerSchemas
	values  *Values

	once  sync.Once
	proto *tfprotov6.GetProviderSchemaResponse

	mu          sync.Mutex
	env         env
	defaultTags map[string]string
}

var _ tfprotov6.ProviderServer = (*provider)(nil)

func newAWSProvider(version, valuesPath string) (*provider, error) {
	s, err := loadAWSSchemas(version)
	if err != nil {
		return nil, err
	}
	v, err := loadValues(valuesPath)
	if err != nil {
		return nil, err
	}
	return &provider{kind: "aws", version: version, schemas: s, values: v}, nil
}

func newRandomProvider(version string) (*provider, error) {
	s, err := loadRandomSchemas()
	if err != nil {
		return nil, err
	}
	return &provider{kind: "random", version: version, schemas: s, values: &Values{}}, nil
}

// Label is how every report names this provider.
func (p *provider) Label() string {
	if p.kind == "random" {
		return "offline provider (stand-in for hashicorp/random " + p.version + ", hand-written schema)"
	}
	return "offline provider (schema of hashicorp/aws " + p.version + ")"
}

func (p *provider) describe() string {
	d := map[string]any{"label": p.Label(), "kind": p.kind, "version": p.version,
		"resources": len(p.schemas.Resources), "data_sources": len(p.schemas.DataSources),
		"hand_written": p.schemas.HandWritten}
	b, _ := json.MarshalIndent(d, "", "  ")
	return string(b)
}

func errDiag(summary, detail string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}}
}

func decode(dv *tfprotov6.DynamicValue, ty cty.Type) (cty.Value, error) {
	if dv == nil {
		return cty.NullVal(ty), nil
	}
	if len(dv.MsgPack) > 0 {
		return ctymsgpack.Unmarshal(dv.MsgPack, ty)
	}
	if len(dv.JSON) > 0 {
		return ctyjson.Unmarshal(dv.JSON, ty)
	}
	return cty.NullVal(ty), nil
}

func encode(v cty.Value, ty cty.Type) (*tfprotov6.DynamicValue, error) {
	b, err := ctymsgpack.Marshal(v, ty)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.DynamicValue{MsgPack: b}, nil
}

func (p *provider) resource(name string) (*tfjson.Schema, cty.Type, []*tfprotov6.Diagnostic) {
	s, ok := p.schemas.Resources[name]
	if !ok {
		return nil, cty.NilType, errDiag("Unknown resource type", fmt.Sprintf("%s does not serve resource type %q", p.Label(), name))
	}
	return s, impliedType(s.Block), nil
}

func (p *provider) dataSource(name string) (*tfjson.Schema, cty.Type, []*tfprotov6.Diagnostic) {
	s, ok := p.schemas.DataSources[name]
	if !ok {
		return nil, cty.NilType, errDiag("Unknown data source", fmt.Sprintf("%s does not serve data source %q", p.Label(), name))
	}
	return s, impliedType(s.Block), nil
}

func (p *provider) currentEnv() (env, map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.env
	if e.Region == "" {
		e.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
		if e.Region == "" {
			e.Region = "us-east-1"
		}
	}
	if e.AccountID == "" {
		e.AccountID = p.values.AccountID
	}
	if e.Partition == "" {
		e.Partition, _ = partitionOf(e.Region)
	}
	return e, p.defaultTags
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// GetMetadata lists what is served.
func (p *provider) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: false}}
	for _, n := range sortedKeys(p.schemas.Resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: n})
	}
	for _, n := range sortedKeys(p.schemas.DataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: n})
	}
	return resp, nil
}

// GetProviderSchema serves the published schema.
func (p *provider) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	p.once.Do(func() {
		r := &tfprotov6.GetProviderSchemaResponse{
			Provider:           protoSchema(p.schemas.Provider),
			ResourceSchemas:    map[string]*tfprotov6.Schema{},
			DataSourceSchemas:  map[string]*tfprotov6.Schema{},
			Functions:          map[string]*tfprotov6.Function{},
			ServerCapabilities: &tfprotov6.ServerCapabilities{PlanDestroy: true},
		}
		for n, s := range p.schemas.Resources {
			r.ResourceSchemas[n] = protoSchema(s)
		}
		for n, s := range p.schemas.DataSources {
			r.DataSourceSchemas[n] = protoSchema(s)
		}
		p.proto = r
	})
	return p.proto, nil
}

// GetResourceIdentitySchemas: no resource identities (Terraform ≥ 1.12 feature).
func (p *provider) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

// ValidateProviderConfig accepts what the schema accepts (Terraform checked it).
func (p *provider) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider reads region and default_tags; credentials are accepted and never used.
func (p *provider) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	if p.kind != "aws" {
		return &tfprotov6.ConfigureProviderResponse{}, nil
	}
	cfg, err := decode(req.Config, impliedType(p.schemas.Provider.Block))
	if err != nil {
		return &tfprotov6.ConfigureProviderResponse{Diagnostics: errDiag("Invalid provider configuration", err.Error())}, nil
	}
	e := env{}
	if r := cfg.GetAttr("region"); r.IsKnown() && !r.IsNull() {
		e.Region = r.AsString()
	}
	if e.Region == "" {
		e.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	if e.Region == "" && cfg.GetAttr("region").IsKnown() {
		return &tfprotov6.ConfigureProviderResponse{Diagnostics: errDiag("Missing region",
			"The AWS provider needs a region: set region in the provider block or AWS_REGION.")}, nil
	}
	e.AccountID = p.values.AccountID
	e.Partition, _ = partitionOf(e.Region)
	tags := map[string]string{}
	if dt := cfg.GetAttr("default_tags"); dt.IsKnown() && !dt.IsNull() {
		for _, b := range dt.AsValueSlice() {
			t := b.GetAttr("tags")
			if !t.IsKnown() || t.IsNull() {
				continue
			}
			for k, v := range t.AsValueMap() {
				if v.IsKnown() && !v.IsNull() {
					tags[k] = v.AsString()
				}
			}
		}
	}
	if ids := strs(cfg.GetAttr("allowed_account_ids")); len(ids) > 0 && !contains(ids, e.AccountID) {
		return &tfprotov6.ConfigureProviderResponse{Diagnostics: errDiag("Account not allowed",
			fmt.Sprintf("account %s is not in allowed_account_ids %v", e.AccountID, ids))}, nil
	}
	if ids := strs(cfg.GetAttr("forbidden_account_ids")); contains(ids, e.AccountID) {
		return &tfprotov6.ConfigureProviderResponse{Diagnostics: errDiag("Account forbidden",
			fmt.Sprintf("account %s is in forbidden_account_ids", e.AccountID))}, nil
	}
	p.mu.Lock()
	p.env, p.defaultTags = e, tags
	p.mu.Unlock()
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// StopProvider has nothing to stop.
func (p *provider) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// ValidateResourceConfig: Terraform itself checks arguments, types, required attributes and
// block counts against the served schema; here only that the type exists.
func (p *provider) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	_, _, d := p.resource(req.TypeName)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: d}, nil
}

// UpgradeResourceState reads a stored state, dropping attributes the schema no longer has
// (e.g. state written under another schema version) and nulling new ones.
func (p *provider) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	s, ty, d := p.resource(req.TypeName)
	if d != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: d}, nil
	}
	var raw any
	if req.RawState != nil && len(req.RawState.JSON) > 0 {
		if err := json.Unmarshal(req.RawState.JSON, &raw); err != nil {
			return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errDiag("Unreadable state", err.Error())}, nil
		}
	}
	conformed, _ := json.Marshal(conform(raw, s.Block))
	v, err := ctyjson.Unmarshal(conformed, ty)
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errDiag("Unreadable state", err.Error())}, nil
	}
	dv, err := encode(v, ty)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: dv}, nil
}

// conform keeps, of a decoded JSON object, the attributes and blocks of b.
func conform(raw any, b *tfjson.SchemaBlock) any {
	obj, ok := raw.(map[string]any)
	if !ok {
		return raw
	}
	out := map[string]any{}
	for k, v := range obj {
		if _, ok := b.Attributes[k]; ok {
			out[k] = v
			continue
		}
		if bt, ok := b.NestedBlocks[k]; ok {
			switch vv := v.(type) {
			case []any:
				var l []any
				for _, e := range vv {
					l = append(l, conform(e, bt.Block))
				}
				out[k] = l
			case map[string]any:
				if bt.NestingMode == tfjson.SchemaNestingModeMap {
					m := map[string]any{}
					for mk, e := range vv {
						m[mk] = conform(e, bt.Block)
					}
					out[k] = m
				} else {
					out[k] = conform(vv, bt.Block)
				}
			default:
				out[k] = v
			}
		}
	}
	return out
}

// ReadResource: nothing drifts; the state is what was applied.
func (p *provider) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange: configured values as configured, computed ones kept or unknown.
func (p *provider) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	s, ty, d := p.resource(req.TypeName)
	if d != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: d}, nil
	}
	proposed, err := decode(req.ProposedNewState, ty)
	if err != nil {
		return nil, err
	}
	if proposed.IsNull() { // destroy
		return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
	}
	cfg, err := decode(req.Config, ty)
	if err != nil {
		return nil, err
	}
	prior, err := decode(req.PriorState, ty)
	if err != nil {
		return nil, err
	}
	e, tags := p.currentEnv()
	planned := planObject(s.Block, cfg, prior)
	var replace []*tftypes.AttributePath
	if p.kind == "aws" {
		if immutable[req.TypeName] && !prior.IsNull() {
			// AWS cannot change these in place (every argument forces a new
			// resource, e.g. a task definition's next revision): replace.
			for _, n := range argumentChanges(s.Block, cfg, prior) {
				replace = append(replace, tftypes.NewAttributePath().WithAttributeName(n))
			}
			if len(replace) > 0 {
				planned = planObject(s.Block, cfg, cty.NullVal(ty))
			}
		}
		planned = withTagsAll(s.Block, planned, tags)
		planned = withRegion(s.Block, planned, e.Region)
	} else {
		if !prior.IsNull() { // random: every argument change replaces
			for _, n := range attrNames(cfg) {
				a := s.Block.Attributes[n]
				if a == nil || a.Computed && !a.Optional {
					continue
				}
				cv, pv := cfg.GetAttr(n), prior.GetAttr(n)
				if cv.IsNull() && a.Computed {
					continue
				}
				if !cv.IsWhollyKnown() || !cv.Equals(pv).True() {
					replace = append(replace, tftypes.NewAttributePath().WithAttributeName(n))
				}
			}
			if len(replace) > 0 {
				planned = planObject(s.Block, cfg, cty.NullVal(ty))
			}
		}
		planned = planRandom(req.TypeName, planned)
	}
	dv, err := encode(planned, ty)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: dv, RequiresReplace: replace, PlannedPrivate: req.PriorPrivate}, nil
}

// ApplyResourceChange fills the computed values the plan left unknown.
func (p *provider) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	_, ty, d := p.resource(req.TypeName)
	if d != nil {
		return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: d}, nil
	}
	planned, err := decode(req.PlannedState, ty)
	if err != nil {
		return nil, err
	}
	if planned.IsNull() { // destroyed
		return &tfprotov6.ApplyResourceChangeResponse{NewState: req.PlannedState}, nil
	}
	var out cty.Value
	if p.kind == "random" {
		if planned.IsWhollyKnown() {
			out = planned
		} else if out, err = applyRandom(req.TypeName, planned); err != nil {
			return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("random: "+req.TypeName, err.Error())}, nil
		}
	} else {
		if f := p.values.fault(req.TypeName, planned); f != nil {
			select {
			case <-time.After(time.Duration(f.DelaySeconds * float64(time.Second))):
			case <-ctx.Done():
				return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("Offline provider fault", req.TypeName+": interrupted during the injected delay")}, nil
			}
			if f.Error != "" {
				return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("Offline provider fault (values file)", req.TypeName+": "+f.Error)}, nil
			}
		}
		e, _ := p.currentEnv()
		if planned, err = p.values.apply(req.TypeName, planned); err != nil {
			return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("Offline provider values", err.Error())}, nil
		}
		out = fillResource(req.TypeName, planned, e)
	}
	dv, err := encode(out, ty)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ApplyResourceChangeResponse{NewState: dv, Private: req.PlannedPrivate}, nil
}

// fillResource gives every unknown of a planned object a value: top-level attributes by
// name (id and arn first), then anything nested.
func fillResource(typ string, planned cty.Value, e env) cty.Value {
	r := newResource(typ, planned, e)
	r.computeTop(planned.Type().AttributeTypes())
	return r.fill(cty.ObjectVal(r.Vals))
}

// ImportResourceState refuses: there is no AWS account to read an existing object from.
func (p *provider) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: errDiag("Import is not possible offline",
		fmt.Sprintf("%s cannot import %s %q: it has no AWS account to read the object from.", p.Label(), req.TypeName, req.ID))}, nil
}

// MoveResourceState refuses moves across resource types.
func (p *provider) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: errDiag("Move is not supported", p.Label()+" does not move state across resource types.")}, nil
}

// ValidateDataResourceConfig: Terraform checks the schema; here only that the type exists.
func (p *provider) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	_, _, d := p.dataSource(req.TypeName)
	return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: d}, nil
}

// ReadDataSource returns plausible values (see datasources.go), generated ones otherwise.
func (p *provider) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	s, ty, d := p.dataSource(req.TypeName)
	if d != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: d}, nil
	}
	cfg, err := decode(req.Config, ty)
	if err != nil {
		return nil, err
	}
	e, _ := p.currentEnv()
	state, err := readData(req.TypeName, s.Block, cfg, e)
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errDiag("data."+req.TypeName, err.Error())}, nil
	}
	dv, err := encode(state, ty)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ReadDataSourceResponse{State: dv}, nil
}

func readData(typ string, b *tfjson.SchemaBlock, cfg cty.Value, e env) (cty.Value, error) {
	m := cfg.AsValueMap()
	if reader, ok := dataReaders[typ]; ok {
		vals, err := reader(e, cfg)
		if err != nil {
			return cty.NilVal, err
		}
		for k, v := range vals {
			cur, ok := m[k]
			if !ok {
				continue // an attribute of another schema version
			}
			if !cur.IsNull() && cur.IsKnown() {
				continue
			}
			conv, err := convertTo(v, cur.Type())
			if err != nil {
				return cty.NilVal, fmt.Errorf("%s.%s: %w", typ, k, err)
			}
			m[k] = conv
		}
	}
	// Computed attributes still null are generated.
	for name, a := range b.Attributes {
		if a.Computed && m[name].IsNull() {
			m[name] = cty.UnknownVal(m[name].Type())
		}
	}
	if region, ok := m["region"]; ok && !region.IsKnown() {
		m["region"] = cty.StringVal(e.Region)
	}
	return fillResource(typ, cty.ObjectVal(m), e), nil
}

// GetFunctions: no provider functions are served.
func (p *provider) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

// CallFunction: no provider functions are served.
func (p *provider) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: p.Label() + " serves no provider functions"}}, nil
}

// ValidateEphemeralResourceConfig: ephemeral resources are not served.
func (p *provider) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: errDiag("Ephemeral resources are not served", p.Label())}, nil
}

// OpenEphemeralResource: ephemeral resources are not served.
func (p *provider) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: errDiag("Ephemeral resources are not served", p.Label())}, nil
}

// RenewEphemeralResource: ephemeral resources are not served.
func (p *provider) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{}, nil
}

// CloseEphemeralResource: ephemeral resources are not served.
func (p *provider) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}

func joinSorted(xs []string) string {
	sort.Strings(xs)
	return strings.Join(xs, ", ")
}

// UpgradeResourceIdentity: no resource identities are served.
func (p *provider) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: errDiag("No resource identities", p.Label()+" serves no resource identities")}, nil
}

// GenerateResourceConfig: nothing is imported, so there is no configuration to generate.
func (p *provider) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: errDiag("Import is not possible offline", p.Label()+" imports nothing")}, nil
}

// immutable are the AWS resource types whose arguments all force a new
// resource (the schema does not say which arguments do; these types have no
// update API at all). Every other type is planned as an in-place update.
var immutable = map[string]bool{
	"aws_ecs_task_definition": true,
}

// argumentChanges names the configured arguments and blocks of cfg that
// differ from prior (computed-only attributes are the provider's, not changes).
func argumentChanges(b *tfjson.SchemaBlock, cfg, prior cty.Value) []string {
	var out []string
	for _, n := range attrNames(cfg) {
		if a := b.Attributes[n]; a != nil {
			if a.Computed && !a.Optional {
				continue
			}
			cv, pv := cfg.GetAttr(n), prior.GetAttr(n)
			if cv.IsNull() && a.Computed {
				continue
			}
			if !cv.IsWhollyKnown() || !cv.Equals(pv).True() {
				out = append(out, n)
			}
		} else if bt := b.NestedBlocks[n]; bt != nil {
			if !agrees(planNested(bt, cfg.GetAttr(n), prior.GetAttr(n)), prior.GetAttr(n)) {
				out = append(out, n)
			}
		}
	}
	return out
}
