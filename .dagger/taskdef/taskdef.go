// Package taskdef reads an ECS task definition's container definitions
// (the JSON of `aws_ecs_task_definition.container_definitions` in a
// Terraform state, or DescribeTaskDefinition's containerDefinitions) into
// what is needed to run a container the way ECS would: image, command,
// environment, secrets by reference, port and health check.
package taskdef

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Container is one container definition, as ECS would run it.
type Container struct {
	Name        string
	Image       string
	Essential   bool
	Command     []string
	EntryPoint  []string
	Environment map[string]string
	// Secrets maps an environment variable to where ECS reads its value.
	Secrets map[string]SecretRef
	// Port is the first container port (0: none).
	Port        int
	HealthCheck []string
	// HealthWindow is how long ECS gives a new task to become healthy: its
	// health check's startPeriod, then retries failed checks interval apart.
	HealthWindow time.Duration
}

// SecretRef is a Secrets Manager reference of a container secret:
// ARN[:json-key[:version-stage[:version-id]]].
type SecretRef struct {
	SecretArn string
	JSONKey   string
}

// ParseSecretRef splits a valueFrom. A Secrets Manager ARN has 7
// colon-separated fields (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME);
// the optional ones follow. SSM parameters are not supported here.
func ParseSecretRef(valueFrom string) (SecretRef, error) {
	parts := strings.Split(valueFrom, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[5] != "secret" {
		return SecretRef{}, fmt.Errorf("valueFrom %q is not a Secrets Manager secret ARN", valueFrom)
	}
	ref := SecretRef{SecretArn: strings.Join(parts[:7], ":")}
	if len(parts) > 7 {
		ref.JSONKey = parts[7]
	}
	if len(parts) > 8 && (parts[8] != "" || (len(parts) > 9 && parts[9] != "")) {
		return SecretRef{}, fmt.Errorf("valueFrom %q pins a version stage or id; only the current version is supported", valueFrom)
	}
	return ref, nil
}

type rawContainer struct {
	Name         string   `json:"name"`
	Image        string   `json:"image"`
	Essential    *bool    `json:"essential"`
	Command      []string `json:"command"`
	EntryPoint   []string `json:"entryPoint"`
	Environment  []kv     `json:"environment"`
	Secrets      []secret `json:"secrets"`
	PortMappings []struct {
		ContainerPort int `json:"containerPort"`
	} `json:"portMappings"`
	HealthCheck *struct {
		Command     []string `json:"command"`
		Interval    *int     `json:"interval"`
		Retries     *int     `json:"retries"`
		StartPeriod *int     `json:"startPeriod"`
	} `json:"healthCheck"`
}

// ECS's health check defaults (seconds; retries a count), used where the
// task definition leaves a field out.
const (
	defaultHealthInterval    = 30
	defaultHealthRetries     = 3
	defaultHealthStartPeriod = 0
)

func orDefault(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}

type kv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// Parse reads container definitions JSON (an array).
func Parse(containerDefinitions string) ([]Container, error) {
	var raws []rawContainer
	if err := json.Unmarshal([]byte(containerDefinitions), &raws); err != nil {
		return nil, fmt.Errorf("container definitions: %w", err)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("container definitions: none")
	}
	out := make([]Container, 0, len(raws))
	for i, r := range raws {
		if r.Name == "" || r.Image == "" {
			return nil, fmt.Errorf("container definitions[%d]: name and image are required", i)
		}
		c := Container{
			Name: r.Name, Image: r.Image, Essential: r.Essential == nil || *r.Essential,
			Command: r.Command, EntryPoint: r.EntryPoint,
			Environment: map[string]string{}, Secrets: map[string]SecretRef{},
		}
		for _, e := range r.Environment {
			c.Environment[e.Name] = e.Value
		}
		for _, s := range r.Secrets {
			ref, err := ParseSecretRef(s.ValueFrom)
			if err != nil {
				return nil, fmt.Errorf("container %s: secret %s: %w", r.Name, s.Name, err)
			}
			c.Secrets[s.Name] = ref
		}
		if len(r.PortMappings) > 0 {
			c.Port = r.PortMappings[0].ContainerPort
		}
		if h := r.HealthCheck; h != nil {
			c.HealthCheck = h.Command
			c.HealthWindow = time.Duration(orDefault(h.StartPeriod, defaultHealthStartPeriod)+
				orDefault(h.Interval, defaultHealthInterval)*orDefault(h.Retries, defaultHealthRetries)) * time.Second
		}
		out = append(out, c)
	}
	return out, nil
}

// Essential returns the one essential container (the service's).
func Essential(cs []Container) (Container, error) {
	var found []Container
	for _, c := range cs {
		if c.Essential {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return Container{}, fmt.Errorf("want exactly one essential container, found %d", len(found))
	}
	return found[0], nil
}

// EnvNames lists the environment's names, sorted (for stable container builds).
func (c Container) EnvNames() []string {
	names := make([]string, 0, len(c.Environment))
	for k := range c.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// SecretNames lists the secrets' variable names, sorted.
func (c Container) SecretNames() []string {
	names := make([]string, 0, len(c.Secrets))
	for k := range c.Secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// FromState finds the container definitions of the aws_ecs_task_definition
// resources in `terraform show -json` output.
func FromState(showJSON []byte) (map[string]string, error) {
	var st struct {
		Values *struct {
			RootModule module `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(showJSON, &st); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	out := map[string]string{}
	if st.Values == nil {
		return out, nil
	}
	var walk func(m module)
	walk = func(m module) {
		for _, r := range m.Resources {
			if r.Type == "aws_ecs_task_definition" && r.Mode == "managed" {
				if s, ok := r.Values["container_definitions"].(string); ok {
					out[r.Address] = s
				}
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(st.Values.RootModule)
	return out, nil
}

type module struct {
	Resources []struct {
		Address string         `json:"address"`
		Mode    string         `json:"mode"`
		Type    string         `json:"type"`
		Values  map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []module `json:"child_modules"`
}

// TaskDefinition is an aws_ecs_task_definition as a Terraform state holds
// it: what RegisterTaskDefinition takes, and the ARN Terraform recorded.
type TaskDefinition struct {
	// Address is the resource's address, e.g. module.service.aws_ecs_task_definition.this.
	Address                 string
	ARN                     string
	Family                  string
	CPU, Memory             string
	NetworkMode             string
	RequiresCompatibilities []string
	ExecutionRoleARN        string
	TaskRoleARN             string
	// ContainerDefinitions is the JSON array, as rendered by jsonencode.
	ContainerDefinitions string
}

// FromTFState reads the managed aws_ecs_task_definition resources of a
// Terraform state file (format version 4: what the S3 backend stores).
func FromTFState(tfstate []byte) ([]TaskDefinition, error) {
	var st struct {
		Version   int `json:"version"`
		Resources []struct {
			Module    string `json:"module"`
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				IndexKey   any `json:"index_key"`
				Attributes struct {
					ARN                     string   `json:"arn"`
					Family                  string   `json:"family"`
					CPU                     string   `json:"cpu"`
					Memory                  string   `json:"memory"`
					NetworkMode             string   `json:"network_mode"`
					RequiresCompatibilities []string `json:"requires_compatibilities"`
					ExecutionRoleARN        string   `json:"execution_role_arn"`
					TaskRoleARN             string   `json:"task_role_arn"`
					ContainerDefinitions    string   `json:"container_definitions"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(tfstate, &st); err != nil {
		return nil, fmt.Errorf("terraform state: %w", err)
	}
	if st.Version != 4 {
		return nil, fmt.Errorf("terraform state: format version %d, want 4", st.Version)
	}
	var out []TaskDefinition
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != "aws_ecs_task_definition" {
			continue
		}
		addr := r.Type + "." + r.Name
		if r.Module != "" {
			addr = r.Module + "." + addr
		}
		for _, in := range r.Instances {
			a := in.Attributes
			if a.ContainerDefinitions == "" {
				return nil, fmt.Errorf("terraform state: %s has no container_definitions", addr)
			}
			out = append(out, TaskDefinition{
				Address: addr, ARN: a.ARN, Family: a.Family, CPU: a.CPU, Memory: a.Memory,
				NetworkMode: a.NetworkMode, RequiresCompatibilities: a.RequiresCompatibilities,
				ExecutionRoleARN: a.ExecutionRoleARN, TaskRoleARN: a.TaskRoleARN,
				ContainerDefinitions: a.ContainerDefinitions,
			})
		}
	}
	return out, nil
}

// Only returns the one task definition of tds, naming what it found otherwise.
func Only(tds []TaskDefinition) (TaskDefinition, error) {
	if len(tds) != 1 {
		var addrs []string
		for _, t := range tds {
			addrs = append(addrs, t.Address)
		}
		return TaskDefinition{}, fmt.Errorf("want exactly one aws_ecs_task_definition in the state, found %d %v", len(tds), addrs)
	}
	return tds[0], nil
}
