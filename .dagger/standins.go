package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/stackio"
	"dagger/eventmall/taskdef"
)

// Rehearsal only: stand-ins for what runs on AWS and cannot run here.
//
//   - The data tier: MariaDB stands in for Aurora MySQL and memcached for
//     ElastiCache, reachable from the tasks at exactly the endpoints the data
//     stack outputs, with the credentials of the database secret that the
//     emulator's Secrets Manager holds (as RDS keeps it).
//   - The tasks: the service's task definition (as the emulator holds it)
//     run as containers: its image by digest, environment, secrets read from
//     the emulator, port, command. Not emulated: awsvpc networking, IAM
//     roles, the read-only root file system, log shipping, CPU/memory limits.
//   - The edge: CloudFront's routing, default to the site bucket (read from
//     the emulator's S3) and the API paths to the tasks, at one URL.

// dataStandIns is the rehearsal's data tier, started once per deploy.
type dataStandIns struct {
	db, cache *dagger.Service
	// hosts the tasks resolve to each stand-in, from the data stack outputs.
	dbHosts, cacheHosts []string
}

// hostOf is the host of "host" or "host:port".
func hostOf(endpoint string) string {
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		return h
	}
	return endpoint
}

// secretJSON reads a secret holding a JSON object (the database secret:
// {"username","password"}) from the emulator's Secrets Manager.
func (a *Aws) secretJSON(ctx context.Context, arn string) (map[string]string, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return nil, fmt.Errorf("secretsmanager:GetSecretValue %s: %w", arn, err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		return nil, fmt.Errorf("secret %s is not a JSON object of strings", arn)
	}
	return v, nil
}

// dataTier is what the stand-ins need of the data stack's outputs.
type dataTier struct {
	DatabaseEndpoint       string `json:"database_endpoint"`
	DatabaseReaderEndpoint string `json:"database_reader_endpoint"`
	DatabasePort           int    `json:"database_port"`
	DatabaseName           string `json:"database_name"`
	DatabaseSecretArn      string `json:"database_secret_arn"`
	CacheEndpoint          string `json:"cache_endpoint"`
	CacheServers           string `json:"cache_servers"`
}

// startDataStandIns starts MariaDB and memcached for the data stack's
// endpoints, the database user being the one of the database secret.
func (a *Aws) startDataStandIns(ctx context.Context, outputs stackio.Outputs) (*dataStandIns, error) {
	raw, err := json.Marshal(outputs)
	if err != nil {
		return nil, err
	}
	var data dataTier
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("data stack outputs: %w", err)
	}
	if data.DatabaseEndpoint == "" || data.DatabaseSecretArn == "" || data.CacheEndpoint == "" {
		return nil, fmt.Errorf("data stack outputs lack database_endpoint, database_secret_arn or cache_endpoint: %s", raw)
	}
	creds, err := a.secretJSON(ctx, data.DatabaseSecretArn)
	if err != nil {
		return nil, err
	}
	if creds["username"] == "" || creds["password"] == "" {
		return nil, fmt.Errorf("database secret %s lacks username or password", data.DatabaseSecretArn)
	}
	root := make([]byte, 16)
	_, _ = rand.Read(root)
	port := data.DatabasePort
	if port == 0 {
		port = 3306
	}
	db := dag.Container().From(mariadbImage).
		WithSecretVariable("MARIADB_ROOT_PASSWORD", dag.SetSecret("rehearsal-db-root", hex.EncodeToString(root))).
		WithEnvVariable("MARIADB_DATABASE", data.DatabaseName).
		WithEnvVariable("MARIADB_USER", creds["username"]).
		WithSecretVariable("MARIADB_PASSWORD", dag.SetSecret("rehearsal-db-password", creds["password"])).
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExposedPort(port).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"mariadbd", "--port=" + strconv.Itoa(port)}, UseEntrypoint: true})
	cachePort := 11211
	if _, p, err := net.SplitHostPort(data.CacheEndpoint); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			cachePort = n
		}
	}
	cache := dag.Container().From(memcachedImage).
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExposedPort(cachePort).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"memcached", "-p", strconv.Itoa(cachePort)}, UseEntrypoint: true})
	if db, err = db.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting the MariaDB stand-in for %s: %w", data.DatabaseEndpoint, err)
	}
	if cache, err = cache.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting the memcached stand-in for %s: %w", data.CacheEndpoint, err)
	}
	t := &dataStandIns{db: db, cache: cache}
	for _, h := range []string{data.DatabaseEndpoint, data.DatabaseReaderEndpoint} {
		t.dbHosts = appendHost(t.dbHosts, hostOf(h))
	}
	for _, h := range append([]string{data.CacheEndpoint}, strings.Split(data.CacheServers, ",")...) {
		t.cacheHosts = appendHost(t.cacheHosts, hostOf(strings.TrimSpace(h)))
	}
	return t, nil
}

func appendHost(hosts []string, h string) []string {
	if h == "" {
		return hosts
	}
	for _, x := range hosts {
		if x == h {
			return hosts
		}
	}
	return append(hosts, h)
}

func (t *dataStandIns) stop(ctx context.Context) {
	for _, s := range []*dagger.Service{t.db, t.cache} {
		if s != nil {
			_, _ = s.Stop(ctx)
		}
	}
}

// bind makes the data stack's endpoints resolve to the stand-ins.
func (t *dataStandIns) bind(c *dagger.Container) *dagger.Container {
	for _, h := range t.dbHosts {
		c = c.WithServiceBinding(h, t.db)
	}
	for _, h := range t.cacheHosts {
		c = c.WithServiceBinding(h, t.cache)
	}
	return c
}

// stateTaskDefinition reads the task definition a stack's state in the
// emulator's S3 holds (what terraform applied): the service as deployed.
func (a *Aws) stateTaskDefinition(ctx context.Context, bucket, key string) (taskdef.TaskDefinition, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return taskdef.TaskDefinition{}, err
	}
	out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).
		GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return taskdef.TaskDefinition{}, fmt.Errorf("s3:GetObject s3://%s/%s (the service stack's state): %w", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return taskdef.TaskDefinition{}, err
	}
	tds, err := taskdef.FromTFState(b)
	if err != nil {
		return taskdef.TaskDefinition{}, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	td, err := taskdef.Only(tds)
	if err != nil {
		return taskdef.TaskDefinition{}, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	return td, nil
}

// containerOf is the essential container of td, its image replaced by
// image (what the deploy rolls out) as terraform would render it.
func containerOf(td taskdef.TaskDefinition, image string) (taskdef.Container, error) {
	cs, err := taskdef.Parse(td.ContainerDefinitions)
	if err != nil {
		return taskdef.Container{}, fmt.Errorf("%s: %w", td.Address, err)
	}
	c, err := taskdef.Essential(cs)
	if err != nil {
		return taskdef.Container{}, fmt.Errorf("%s: %w", td.Address, err)
	}
	if image != "" {
		c.Image = image
		if _, ok := c.Environment[imageRefVar]; ok {
			c.Environment[imageRefVar] = image
		}
	}
	return c, nil
}

// imageRefVar is the variable through which the service stack tells the
// API which image it runs (IMAGE_REF = var.image in stacks/service). A
// stand-in that swaps a task definition's image sets it too, as terraform
// renders it.
const imageRefVar = "IMAGE_REF"

// taskContainer is a container run the way ECS runs c: its image, its
// environment, its secrets read from the emulator's Secrets Manager, its
// port, with the data tier's endpoints resolving to the stand-ins.
func (a *Aws) taskContainer(ctx context.Context, c taskdef.Container, tier *dataStandIns) (*dagger.Container, error) {
	ctr := dag.Container().From(c.Image)
	for _, name := range c.EnvNames() {
		ctr = ctr.WithEnvVariable(name, c.Environment[name])
	}
	secrets := map[string]map[string]string{}
	for _, name := range c.SecretNames() {
		ref := c.Secrets[name]
		v, ok := secrets[ref.SecretArn]
		if !ok {
			var err error
			if v, err = a.secretJSON(ctx, ref.SecretArn); err != nil {
				return nil, fmt.Errorf("container %s, secret %s: %w", c.Name, name, err)
			}
			secrets[ref.SecretArn] = v
		}
		value, ok := v[ref.JSONKey]
		if !ok {
			return nil, fmt.Errorf("container %s, secret %s: %s has no key %q", c.Name, name, ref.SecretArn, ref.JSONKey)
		}
		ctr = ctr.WithSecretVariable(name, dag.SetSecret("rehearsal-task-"+name, value))
	}
	if c.Port != 0 {
		ctr = ctr.WithExposedPort(c.Port)
	}
	return tier.bind(ctr), nil
}

// taskArgs is what the container runs: the task definition's entryPoint
// and command when set, else the image's.
func taskArgs(c taskdef.Container) (args []string, useEntrypoint bool) {
	if len(c.EntryPoint) > 0 {
		return append(append([]string{}, c.EntryPoint...), c.Command...), false
	}
	return c.Command, true
}

// edgeStandIn serves the site and the API at one URL as the edge stack's
// CloudFront routes them: the API paths to the tasks, everything else from
// the site bucket (with the distribution's SPA rewrite).
func (a *Aws) edgeStandIn(api *dagger.Service, apiPort int, siteBucket string) *dagger.Service {
	site := strings.TrimSuffix(a.EndpointURL, "/") + "/" + siteBucket
	return dag.Container().From(nodeImage).
		WithFile("/srv/edge.mjs", a.Source.File("ci/rehearsal/edge_standin.mjs")).
		WithServiceBinding("api", api).
		WithEnvVariable("API_ORIGIN", fmt.Sprintf("http://api:%d", apiPort)).
		WithEnvVariable("SITE_ORIGIN", site).
		WithEnvVariable("PORT", "8080").
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExposedPort(8080).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"node", "/srv/edge.mjs"}})
}
