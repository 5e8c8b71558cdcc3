package taskdef

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The shape terraform/modules/service renders (jsonencode of the container definition).
const apiDefs = `[{"name":"api","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/eventmall-prod/backend@sha256:` + "abababababababababababababababababababababababababababababababab" + `",
 "essential":true,"readonlyRootFilesystem":true,
 "portMappings":[{"containerPort":8080,"protocol":"tcp"}],
 "environment":[{"name":"DB_HOST","value":"eventmall-prod.cluster-c1.us-east-1.rds.amazonaws.com"},{"name":"PORT","value":"8080"}],
 "secrets":[{"name":"DB_USER","valueFrom":"arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-123456:username::"},
            {"name":"DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-123456:password::"}],
 "healthCheck":{"command":["CMD-SHELL","node -e \"fetch('http://127.0.0.1:8080/healthz')\""],"interval":15}}]`

func TestParse(t *testing.T) {
	cs, err := Parse(apiDefs)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Essential(cs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "api" || c.Port != 8080 || !strings.Contains(c.Image, "@sha256:") {
		t.Fatalf("got %+v", c)
	}
	if c.Environment["DB_HOST"] != "eventmall-prod.cluster-c1.us-east-1.rds.amazonaws.com" {
		t.Errorf("env %v", c.Environment)
	}
	want := SecretRef{SecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-123456", JSONKey: "password"}
	if c.Secrets["DB_PASSWORD"] != want {
		t.Errorf("secret %+v, want %+v", c.Secrets["DB_PASSWORD"], want)
	}
	if got := c.SecretNames(); !reflect.DeepEqual(got, []string{"DB_PASSWORD", "DB_USER"}) {
		t.Errorf("secret names %v", got)
	}
	// interval 15 given; retries 3 and startPeriod 0 are ECS's defaults
	if c.HealthWindow != 45*time.Second {
		t.Errorf("health window %v, want 45s", c.HealthWindow)
	}
}

// The time ECS gives a new task to become healthy, from its health check.
func TestHealthWindow(t *testing.T) {
	for _, c := range []struct {
		check string
		want  time.Duration
	}{
		{`{"command":["CMD","true"],"interval":15,"timeout":5,"retries":3,"startPeriod":30}`, 75 * time.Second}, // terraform/modules/service's
		{`{"command":["CMD","true"]}`, 90 * time.Second},                                                        // ECS's defaults: 30 s x 3
		{`{"command":["CMD","true"],"interval":5,"retries":1,"startPeriod":0}`, 5 * time.Second},
	} {
		cs, err := Parse(`[{"name":"api","image":"x","healthCheck":` + c.check + `}]`)
		if err != nil {
			t.Fatal(err)
		}
		if cs[0].HealthWindow != c.want {
			t.Errorf("%s: health window %v, want %v", c.check, cs[0].HealthWindow, c.want)
		}
	}
	if cs, _ := Parse(`[{"name":"api","image":"x"}]`); cs[0].HealthWindow != 0 {
		t.Errorf("no health check: window %v, want 0", cs[0].HealthWindow)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{}`, "container definitions"},
		{`[]`, "none"},
		{`[{"name":"api"}]`, "name and image are required"},
		{`[{"name":"api","image":"x","secrets":[{"name":"P","valueFrom":"arn:aws:ssm:us-east-1:1:parameter/p"}]}]`, "secret P"},
	} {
		if _, err := Parse(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%s) = %v, want error containing %q", c.in, err, c.want)
		}
	}
	if _, err := ParseSecretRef("arn:aws:secretsmanager:r:1:secret:n:password:AWSPREVIOUS:"); err == nil {
		t.Error("a pinned version stage was accepted")
	}
	if _, err := Essential([]Container{{Name: "a", Essential: true}, {Name: "b", Essential: true}}); err == nil {
		t.Error("two essential containers accepted")
	}
}

func TestFromState(t *testing.T) {
	show := `{"values":{"root_module":{"child_modules":[{"resources":[
	  {"address":"module.service.aws_ecs_task_definition.this","mode":"managed","type":"aws_ecs_task_definition","values":{"container_definitions":` + quote(apiDefs) + `}},
	  {"address":"module.service.aws_ecs_service.this","mode":"managed","type":"aws_ecs_service","values":{}}]}]}}}`
	defs, err := FromState([]byte(show))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 || defs["module.service.aws_ecs_task_definition.this"] == "" {
		t.Fatalf("got %v", defs)
	}
	if _, err := Parse(defs["module.service.aws_ecs_task_definition.this"]); err != nil {
		t.Fatal(err)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func TestFromTFState(t *testing.T) {
	defs, _ := json.Marshal(apiDefs)
	state := `{"version":4,"resources":[
	 {"mode":"data","type":"aws_ecs_task_definition","name":"x","instances":[{"attributes":{}}]},
	 {"module":"module.service","mode":"managed","type":"aws_iam_role","name":"task","instances":[{"attributes":{"arn":"arn:aws:iam::1:role/t"}}]},
	 {"module":"module.service","mode":"managed","type":"aws_ecs_task_definition","name":"this","instances":[{"attributes":{
	   "arn":"arn:aws:ecs:us-east-1:123456789012:task-definition/eventmall-prod:7","family":"eventmall-prod","cpu":"512","memory":"1024",
	   "network_mode":"awsvpc","requires_compatibilities":["FARGATE"],"execution_role_arn":"arn:aws:iam::1:role/e","task_role_arn":"arn:aws:iam::1:role/t",
	   "container_definitions":` + string(defs) + `}}]}]}`
	tds, err := FromTFState([]byte(state))
	if err != nil {
		t.Fatal(err)
	}
	td, err := Only(tds)
	if err != nil {
		t.Fatal(err)
	}
	if td.Address != "module.service.aws_ecs_task_definition.this" || td.Family != "eventmall-prod" || td.CPU != "512" ||
		td.NetworkMode != "awsvpc" || td.TaskRoleARN != "arn:aws:iam::1:role/t" || !strings.HasSuffix(td.ARN, ":7") {
		t.Fatalf("got %+v", td)
	}
	cs, err := Parse(td.ContainerDefinitions)
	if err != nil || len(cs) != 1 || cs[0].Port != 8080 {
		t.Fatalf("container definitions %v %v", cs, err)
	}
	if _, err := Only(nil); err == nil || !strings.Contains(err.Error(), "found 0") {
		t.Errorf("Only(nil) = %v", err)
	}
	if _, err := FromTFState([]byte(`{"version":3}`)); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("version 3 accepted: %v", err)
	}
	if _, err := FromTFState([]byte(`{"version":4,"resources":[{"mode":"managed","type":"aws_ecs_task_definition","name":"x","instances":[{"attributes":{}}]}]}`)); err == nil ||
		!strings.Contains(err.Error(), "aws_ecs_task_definition.x has no container_definitions") {
		t.Errorf("empty definitions accepted: %v", err)
	}
}
