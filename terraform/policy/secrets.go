package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// secretEnvName: environment variable names that carry a secret value. *_SECRET_ID and *_ARN
// name a secret, they are not one.
var secretEnvName = regexp.MustCompile(`^(SESSION_KEYS|.*PASSWORD.*|.*_SECRET|.*_TOKEN|.*_API_KEY|.*_PRIVATE_KEY)$`)

// envArgs: arguments that become a container's plain environment (module variables of the service
// module, and the container definition's own key).
var envArgs = map[string]bool{"environment": true, "environment_variables": true, "extra_environment": true}

// objectKeys lists the literal keys of every object constructor inside e (merge() arguments,
// nested objects, list elements), with the expression of each value.
func objectKeys(e hclsyntax.Expression) map[string]hclsyntax.Expression {
	out := map[string]hclsyntax.Expression{}
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if o, ok := n.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range o.Items {
				k := it.KeyExpr
				if w, ok := k.(*hclsyntax.ObjectConsKeyExpr); ok {
					k = w.Wrapped
				}
				if v, diags := k.Value(nil); !diags.HasErrors() && v.Type().FriendlyName() == "string" {
					out[v.AsString()] = it.ValueExpr
				} else if t, ok := k.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 1 {
					out[t.Traversal.RootName()] = it.ValueExpr
				}
			}
		}
		return nil
	})
	return out
}

// envEntries: in a container_definitions expression, the literal "name" of every object under an
// "environment" key.
func envEntries(e hclsyntax.Expression) []string {
	var out []string
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		o, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		for k, v := range objectKeys(o) {
			if k != "environment" {
				continue
			}
			for name, val := range objectKeys(v) {
				if name == "name" {
					if s, diags := val.Value(nil); !diags.HasErrors() && s.Type().FriendlyName() == "string" {
						out = append(out, s.AsString())
					}
				}
			}
		}
		return nil
	})
	return out
}

// CheckTaskSecrets: no secret value reaches a container through its plain environment (the task
// definition's environment, or the service module's environment_variables / extra_environment at
// any call site); the API's session signing keys (SESSION_KEYS) and database credentials come
// through the task definition's `secrets` (Secrets Manager references).
func CheckTaskSecrets(t *Tree) []string {
	var out []string
	sessionKeysAsSecret := false
	for _, m := range t.allModules() {
		for _, td := range m.ResourcesOf("aws_ecs_task_definition") {
			a, ok := td.Body.Attributes["container_definitions"]
			if !ok {
				continue
			}
			for _, name := range envEntries(a.Expr) {
				if secretEnvName.MatchString(name) {
					out = append(out, fmt.Sprintf("%s: %s puts %s in the container's plain environment; pass it in secrets (Secrets Manager)", td.Where(), td.Addr(), name))
				}
			}
			for k, v := range objectKeys(a.Expr) {
				if k == "secrets" && strings.Contains(rawExpr(td.Src, v), "SESSION_KEYS") {
					sessionKeysAsSecret = true
				}
			}
		}
		for _, name := range sortedKeys(m.Calls) {
			call := m.Calls[name]
			for arg, a := range call.Body.Attributes {
				keys := objectKeys(a.Expr)
				if envArgs[arg] {
					for _, k := range sortedKeys(keys) {
						if secretEnvName.MatchString(k) {
							out = append(out, fmt.Sprintf("%s: module %q passes %s in %s (a container's plain environment); pass it in secrets (Secrets Manager)", call.Where(), name, k, arg))
						}
					}
				}
				if arg == "secrets" {
					if _, ok := keys["SESSION_KEYS"]; ok {
						sessionKeysAsSecret = true
					}
				}
			}
		}
	}
	if len(t.Stacks) > 0 && !sessionKeysAsSecret {
		out = append(out, "the API's task definition gets no SESSION_KEYS in its secrets: the session signing keys must come from their own Secrets Manager secret")
	}
	return out
}

// CacheTransitAllowList: caches allowed to run without in-transit encryption, by module, each with
// its reason (the policy owner's review, like ActionAllowList).
var CacheTransitAllowList = []struct{ Module, Reason string }{
	{"cache", "the backend's memcached client, memjs 1.3.2 (the newest release), opens plain net sockets only and has no TLS option; ElastiCache memcached with transit_encryption_enabled accepts TLS clients only, so it is off (variable transit_encryption_enabled) and the cache stays in the private subnets, admitted only by the service's and the bastion's security groups (backend/README.md)"},
}

// CheckTransitEncryption: TLS to the data tier where the engines support it. Aurora refuses
// plaintext (require_secure_transport on by default at every call site), the API connects with
// DB_TLS = "verify", and every ElastiCache cluster sets transit_encryption_enabled explicitly: true,
// or false only for a module on CacheTransitAllowList.
func CheckTransitEncryption(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, c := range m.ResourcesOf("aws_elasticache_cluster") {
			if !c.Has("transit_encryption_enabled") {
				out = append(out, fmt.Sprintf("%s: %s must set transit_encryption_enabled (memcached 1.6.12+ supports TLS)", c.Where(), c.Addr()))
				continue
			}
			if v, ok := resolveBool(m, c.Body, c.Src, "transit_encryption_enabled"); ok && v {
				continue
			}
			allowed := false
			for _, e := range CacheTransitAllowList {
				if e.Module == m.Name && len(e.Reason) >= 20 {
					allowed = true
				}
			}
			if !allowed {
				out = append(out, fmt.Sprintf("%s: %s runs without transit encryption (transit_encryption_enabled is not true) and module %q is not on CacheTransitAllowList", c.Where(), c.Addr(), m.Name))
			}
		}
		for _, pg := range m.ResourcesOf("aws_rds_cluster_parameter_group") {
			found := false
			for _, p := range nested(pg.Body, "parameter") {
				if n, _ := literalString(p, "name"); n == "require_secure_transport" {
					found = true
				}
			}
			if !found {
				out = append(out, fmt.Sprintf("%s: %s must set require_secure_transport", pg.Where(), pg.Addr()))
			}
		}
		for _, name := range sortedKeys(m.Calls) {
			call := m.Calls[name]
			if _, ok := call.Body.Attributes["require_secure_transport"]; ok {
				if v, ok := resolveBool(m, call.Body, call.Src, "require_secure_transport"); !ok || !v {
					out = append(out, fmt.Sprintf("%s: module %q: require_secure_transport must be true by default (the API connects with TLS)", call.Where(), name))
				}
			}
			env, ok := call.Body.Attributes["environment_variables"]
			if !ok {
				continue
			}
			keys := objectKeys(env.Expr)
			if _, has := keys["DB_HOST"]; !has {
				continue
			}
			v, ok := keys["DB_TLS"]
			s := ""
			if ok {
				if val, diags := v.Value(nil); !diags.HasErrors() && val.Type().FriendlyName() == "string" {
					s = val.AsString()
				}
			}
			if s != "verify" {
				out = append(out, fmt.Sprintf("%s: module %q: the API must connect to the database with TLS (environment DB_TLS = \"verify\")", call.Where(), name))
			}
		}
	}
	return out
}

// resolveBool: a literal bool attribute, or var.X with a literal bool default.
func resolveBool(m *Module, body *hclsyntax.Body, src []byte, name string) (bool, bool) {
	if v, ok := literalBool(body, name); ok {
		return v, true
	}
	if v, ok := strings.CutPrefix(rawAttr(body, src, name), "var."); ok {
		if vb := m.Variables[v]; vb != nil {
			return literalBool(vb.Body, "default")
		}
	}
	return false, false
}

// ServiceEnv is the environment the service module is rendered in by CheckServiceRoles: the
// service stack's wiring (the app user's secret for the execution role's secrets and the
// application's own re-read, the event's KMS key).
var ServiceEnv = DefaultEnv(map[string]cty.Value{
	"name":                cty.StringVal("eventmall-prod"),
	"secret_arns":         cty.ListVal([]cty.Value{cty.StringVal(serviceAppSecret)}),
	"app_secret_arns":     cty.ListVal([]cty.Value{cty.StringVal(serviceAppSecret)}),
	"migrator_secret_arn": cty.StringVal(serviceMasterSecret),
	"secrets_kms_key_arn": cty.StringVal("arn:aws:kms:ap-northeast-2:111122223333:key/00000000-0000-0000-0000-00000000e7e7"),
	"logs_kms_key_arn":    cty.StringVal("arn:aws:kms:ap-northeast-2:111122223333:key/00000000-0000-0000-0000-00000000e7e7"),
	"repository_arn":      cty.StringVal("arn:aws:ecr:ap-northeast-2:111122223333:repository/eventmall-prod/backend"),
	// The service stack's wiring: the state bucket and the environment's catalogue folder.
	"catalogue_bucket_name": cty.StringVal("acme-tfstate"),
	"catalogue_prefix":      cty.StringVal("prod/catalogue/"),
})

const (
	serviceAppSecret    = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:eventmall-prod-db-app-user-20261201000000000000000001-AbCdEf"
	serviceMasterSecret = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:rds!cluster-0123abcd-4567-89ef-0123-456789abcdef-AbCdEf"
	catalogueObject     = "arn:aws:s3:::acme-tfstate/prod/catalogue/0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd.json"
)

// CheckServiceRoles: the service's roles read exactly the secrets they need (issue 12): the
// execution role (ECS, at task start) the app user's secret and the session keys, decrypting
// only through Secrets Manager; the task role (the application) only the app user's secret, which
// it re-reads on refusal; neither the RDS master secret nor any other, nor any write. The
// migrator role (the deploy's release task) reads the master secret and writes the app user's
// secret and the session keys, encrypting only through Secrets Manager, and nothing else.
func CheckServiceRoles(t *Tree) []string {
	m := t.Modules["service"]
	if m == nil {
		return []string{"no modules/service"}
	}
	r := Render(m, ServiceEnv)
	var out []string
	for _, name := range sortedKeys(r.Errors) {
		out = append(out, fmt.Sprintf("%s: data.aws_iam_policy_document.%s cannot be rendered: %v", m.Dir, name, r.Errors[name]))
	}
	sessionKeys := ""
	for _, s := range m.ResourcesOf("aws_secretsmanager_secret") {
		if strings.Contains(s.Name, "session") {
			sessionKeys = r.ResourceAttr("aws_secretsmanager_secret."+s.Name, "arn")
		}
	}
	if sessionKeys == "" {
		out = append(out, fmt.Sprintf("%s: no aws_secretsmanager_secret for the session keys (SESSION_KEYS)", m.Dir))
		sessionKeys = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:eventmall-prod-session-keys-missing"
	}
	via := with(nil, "kms:ViaService", "secretsmanager."+ServiceEnv.Region+".amazonaws.com")
	key := ServiceEnv.Vars["secrets_kms_key_arn"].AsString()
	get := func(arn string) Request { return Request{"secretsmanager:GetSecretValue", arn, nil} }
	other := "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:other-prod-db-app-user-AbCdEf"
	cases := []struct {
		role  string
		why   string
		req   Request
		allow bool
	}{
		{"execution", "ECS fills DB_USER/DB_PASSWORD from the app user's secret", get(serviceAppSecret), true},
		{"execution", "ECS fills SESSION_KEYS from its own secret", get(sessionKeys), true},
		{"execution", "ECS decrypts the secrets through Secrets Manager", Request{"kms:Decrypt", key, via}, true},
		{"execution", "no decrypting outside Secrets Manager", Request{"kms:Decrypt", key, nil}, false},
		{"execution", "never the RDS master secret", get(serviceMasterSecret), false},
		{"execution", "no other secret", get(other), false},
		{"task", "the API re-reads the app user's secret when refused (DB_SECRET_ID)", get(serviceAppSecret), true},
		{"task", "the API decrypts it through Secrets Manager", Request{"kms:Decrypt", key, via}, true},
		{"task", "the API never reads the session keys (ECS injects them)", get(sessionKeys), false},
		{"task", "never the RDS master secret", get(serviceMasterSecret), false},
		{"task", "no other secret", get(other), false},
		{"task", "no secret writes", Request{"secretsmanager:PutSecretValue", serviceAppSecret, nil}, false},
		{"migrator", "ECS fills the release's DB_USER/DB_PASSWORD from the RDS master secret", get(serviceMasterSecret), true},
		{"migrator", "grant-app-user.js writes the app user's password", Request{"secretsmanager:PutSecretValue", serviceAppSecret, nil}, true},
		{"migrator", "session-keys.js --if-empty reads the session keys", get(sessionKeys), true},
		{"migrator", "session-keys.js --if-empty writes the first key", Request{"secretsmanager:PutSecretValue", sessionKeys, nil}, true},
		{"migrator", "secrets are encrypted through Secrets Manager", Request{"kms:GenerateDataKey", key, via}, true},
		{"migrator", "no encrypting outside Secrets Manager", Request{"kms:GenerateDataKey", key, nil}, false},
		{"migrator", "never writes the RDS master secret (RDS rotates it)", Request{"secretsmanager:PutSecretValue", serviceMasterSecret, nil}, false},
		{"migrator", "no other secret", get(other), false},
		// A catalogue-only deploy's load-catalogue reads the published catalogue, and only that.
		{"migrator", "load-catalogue reads the published catalogue", Request{"s3:GetObject", catalogueObject, nil}, true},
		{"migrator", "never the Terraform state (it holds every output, sensitive ones too)", Request{"s3:GetObject", "arn:aws:s3:::acme-tfstate/prod/service.tfstate", nil}, false},
		{"migrator", "never the history or the reviewed plans", Request{"s3:GetObject", "arn:aws:s3:::acme-tfstate/prod/history/20261201T100000Z-aaaa.json", nil}, false},
		{"migrator", "never another environment's catalogue", Request{"s3:GetObject", "arn:aws:s3:::acme-tfstate/staging/catalogue/0123abcd.json", nil}, false},
		{"migrator", "never writes a catalogue (the deployer publishes it)", Request{"s3:PutObject", catalogueObject, nil}, false},
		{"task", "the API never reads the published catalogue", Request{"s3:GetObject", catalogueObject, nil}, false},
		{"execution", "ECS never reads the published catalogue", Request{"s3:GetObject", catalogueObject, nil}, false},
	}
	for _, c := range cases {
		if m.Find("aws_iam_role."+c.role) == nil {
			out = append(out, fmt.Sprintf("%s: no aws_iam_role.%s", m.Dir, c.role))
			continue
		}
		docs, _, err := r.RolePolicies(c.role)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: policies of aws_iam_role.%s: %v", m.Dir, c.role, err))
			continue
		}
		d, sid := Evaluate(docs, c.req)
		switch {
		case c.allow && d != Allowed:
			out = append(out, fmt.Sprintf("%s: the %s role needs %s on %s (%s) but it is %s", m.Dir, c.role, c.req.Action, c.req.Resource, c.why, d))
		case !c.allow && d == Allowed:
			out = append(out, fmt.Sprintf("%s: the %s role may %s on %s, allowed by statement %q: %s", m.Dir, c.role, c.req.Action, c.req.Resource, sid, c.why))
		}
	}
	return out
}

// WorkloadEnv is the environment a workload module (a module other than base that creates IAM
// roles) is rendered in for the IAM analyzer: the service module in ServiceEnv, the others with the
// event's name only.
func WorkloadEnv(module string) RenderEnv {
	switch module {
	case "service":
		return ServiceEnv
	case "edge":
		return DefaultEnv(map[string]cty.Value{"name": cty.StringVal("eventmall-prod"), "bucket_name": cty.StringVal("eventmall-prod-site-111122223333")})
	}
	return DefaultEnv(map[string]cty.Value{"name": cty.StringVal("eventmall-prod")})
}
