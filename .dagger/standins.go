package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/stackio"
	"dagger/eventmall/standintls"
	"dagger/eventmall/taskdef"

	"golang.org/x/sync/errgroup"
)

// Rehearsal only: stand-ins for what runs on AWS and cannot run here.
//
//   - The data tier: MariaDB stands in for Aurora MySQL and memcached for
//     ElastiCache, reachable from the tasks at exactly the endpoints the data
//     stack outputs. MariaDB's administrator is the master user of the
//     RDS-managed secret the emulator's Secrets Manager holds (as RDS keeps
//     it), with the master's rights (every privilege, GRANT OPTION); it
//     speaks TLS only (require_secure_transport, as the data stack sets on
//     Aurora), with a certificate for the data stack's endpoints signed by a
//     CA made for this deploy (standintls). The tasks trust that CA instead
//     of the RDS CA bundle: DB_TLS_CA is set to it (the one variable the
//     stand-in overrides), so certificate and host name are really checked.
//     Memcached stays plaintext, as on AWS (a reviewed exception).
//   - The tasks: the service's task definition (as the emulator holds it)
//     run as containers: its image by digest, environment, secrets read from
//     the emulator (JSON keys, or the whole secret), port, command. What the
//     application itself calls on AWS (Secrets Manager: its DB_SECRET_ID,
//     the release's writes) goes to the emulator, with throwaway credentials
//     standing in for the task role's. Not emulated: awsvpc networking, IAM
//     roles and their policies, the read-only root file system, log
//     shipping, CPU/memory limits.
//   - The edge: CloudFront's routing, default to the site bucket (read from
//     the emulator's S3) and the API paths to the tasks, at one URL.

// dataStandIns is the rehearsal's data tier, started once per deploy. The
// database keeps its files between deploys of the same emulated
// environment (a cache volume named after the database secret, which each
// emulator creates anew), as Aurora keeps its data: an unchanged deploy
// finds what the last one released.
type dataStandIns struct {
	db, cache *dagger.Service
	// data is the database's files (/var/lib/mysql).
	data *dagger.CacheVolume
	// hosts the tasks resolve to each stand-in, from the data stack outputs.
	dbHosts, cacheHosts []string
	// dbCA is the PEM of the CA that signed the database stand-in's
	// certificate: what the tasks trust for the database.
	dbCA string
}

// hostOf is the host of "host" or "host:port".
func hostOf(endpoint string) string {
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		return h
	}
	return endpoint
}

// secretString reads a secret's current value from the emulator's Secrets
// Manager.
func (a *Aws) secretString(ctx context.Context, arn string) (string, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return "", err
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return "", fmt.Errorf("secretsmanager:GetSecretValue %s: %w", arn, err)
	}
	return aws.ToString(out.SecretString), nil
}

// secretJSON reads a secret holding a JSON object (a database secret:
// {"username","password"}) from the emulator's Secrets Manager.
func (a *Aws) secretJSON(ctx context.Context, arn string) (map[string]string, error) {
	raw, err := a.secretString(ctx, arn)
	if err != nil {
		return nil, err
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, fmt.Errorf("secret %s is not a JSON object of strings", arn)
	}
	return v, nil
}

// dataTier is what the stand-ins need of the data stack's outputs.
type dataTier struct {
	DatabaseEndpoint        string `json:"database_endpoint"`
	DatabaseReaderEndpoint  string `json:"database_reader_endpoint"`
	DatabasePort            int    `json:"database_port"`
	DatabaseName            string `json:"database_name"`
	DatabaseSecretArn       string `json:"database_secret_arn"`
	DatabaseMasterSecretArn string `json:"database_master_secret_arn"`
	DatabaseAppUsername     string `json:"database_app_username"`
	CacheEndpoint           string `json:"cache_endpoint"`
	CacheServers            string `json:"cache_servers"`
}

// startDataStandIns starts MariaDB and memcached for the data stack's
// endpoints, MariaDB's administrator being the master user of the
// RDS-managed secret, TLS only.
func (a *Aws) startDataStandIns(ctx context.Context, outputs stackio.Outputs) (*dataStandIns, error) {
	raw, err := json.Marshal(outputs)
	if err != nil {
		return nil, err
	}
	var data dataTier
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("data stack outputs: %w", err)
	}
	if data.DatabaseEndpoint == "" || data.DatabaseMasterSecretArn == "" || data.CacheEndpoint == "" {
		return nil, fmt.Errorf("data stack outputs lack database_endpoint, database_master_secret_arn or cache_endpoint: %s", raw)
	}
	creds, err := a.secretJSON(ctx, data.DatabaseMasterSecretArn)
	if err != nil {
		return nil, err
	}
	if creds["username"] == "" || creds["password"] == "" {
		return nil, fmt.Errorf("database master secret %s lacks username or password", data.DatabaseMasterSecretArn)
	}
	t := &dataStandIns{}
	for _, h := range []string{data.DatabaseEndpoint, data.DatabaseReaderEndpoint} {
		t.dbHosts = appendHost(t.dbHosts, hostOf(h))
	}
	for _, h := range append([]string{data.CacheEndpoint}, strings.Split(data.CacheServers, ",")...) {
		t.cacheHosts = appendHost(t.cacheHosts, hostOf(strings.TrimSpace(h)))
	}
	certs, err := standintls.New(t.dbHosts, time.Now())
	if err != nil {
		return nil, err
	}
	t.dbCA = certs.CA
	root := make([]byte, 16)
	_, _ = rand.Read(root)
	port := data.DatabasePort
	if port == 0 {
		port = 3306
	}
	// The master's rights, as RDS gives them (the image's MARIADB_USER gets
	// only its database): it creates the application user and grants it.
	masterGrant := fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION;\nFLUSH PRIVILEGES;\n", sqlQuote(creds["username"]))
	files := dbVolume(data)
	db := dag.Container().From(mariadbImage).
		WithMountedCache("/var/lib/mysql", files).
		WithSecretVariable("MARIADB_ROOT_PASSWORD", dag.SetSecret("rehearsal-db-root", hex.EncodeToString(root))).
		WithEnvVariable("MARIADB_DATABASE", data.DatabaseName).
		WithEnvVariable("MARIADB_USER", creds["username"]).
		WithSecretVariable("MARIADB_PASSWORD", dag.SetSecret("rehearsal-db-password", creds["password"])).
		WithNewFile("/docker-entrypoint-initdb.d/10-master-rights.sql", masterGrant).
		WithNewFile("/etc/mysql/standin-tls/ca.pem", certs.CA).
		WithNewFile("/etc/mysql/standin-tls/server.pem", certs.Cert).
		WithMountedSecret("/etc/mysql/standin-tls/server-key.pem", dag.SetSecret("rehearsal-db-tls-key", certs.Key), dagger.ContainerWithMountedSecretOpts{Mode: 0o444}).
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExposedPort(port).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"mariadbd", "--port=" + strconv.Itoa(port),
			"--ssl-ca=/etc/mysql/standin-tls/ca.pem", "--ssl-cert=/etc/mysql/standin-tls/server.pem",
			"--ssl-key=/etc/mysql/standin-tls/server-key.pem", "--require-secure-transport=ON"}, UseEntrypoint: true})
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
	// Both at once: the first task waits for the slower of the two, not for their sum.
	var g errgroup.Group
	g.Go(func() (err error) {
		if db, err = db.Start(ctx); err != nil {
			return fmt.Errorf("starting the MariaDB stand-in for %s: %w", data.DatabaseEndpoint, err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if cache, err = cache.Start(ctx); err != nil {
			return fmt.Errorf("starting the memcached stand-in for %s: %w", data.CacheEndpoint, err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	t.db, t.cache, t.data = db, cache, files
	return t, nil
}

// sqlQuote escapes s for a single-quoted SQL string.
func sqlQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// dbVolume is the database stand-in's files for one emulated environment:
// named after its database (endpoint, name, master secret; the secret's ARN
// ends in a suffix each emulator draws anew), so a new emulator starts empty.
func dbVolume(d dataTier) *dagger.CacheVolume {
	sum := sha256.Sum256([]byte(d.DatabaseEndpoint + "\n" + d.DatabaseName + "\n" + d.DatabaseMasterSecretArn))
	return dag.CacheVolume("eventmall-rehearsal-db-" + hex.EncodeToString(sum[:8]))
}

// releasedMarker is the file in the database stand-in's files naming the
// image whose db-release last succeeded against it.
const releasedMarker = "/var/lib/mysql/.eventmall-released"

// released is the image whose db-release last succeeded against the
// database stand-in ("" when none: a new emulator, or its files were
// pruned from the engine's cache).
func (t *dataStandIns) released(ctx context.Context) (string, error) {
	out, err := dag.Container().From(debianImage).
		WithMountedCache("/var/lib/mysql", t.data).
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExec([]string{"sh", "-c", "cat " + releasedMarker + " 2>/dev/null || true"}).
		Stdout(ctx)
	return strings.TrimSpace(out), err
}

// markReleased records that image's db-release succeeded.
func (t *dataStandIns) markReleased(ctx context.Context, image string) error {
	_, err := dag.Container().From(debianImage).
		WithMountedCache("/var/lib/mysql", t.data).
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithEnvVariable("IMAGE", image).
		WithExec([]string{"sh", "-c", `printf '%s\n' "$IMAGE" >` + releasedMarker}).
		Sync(ctx)
	return err
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
	// Stopped, not killed: MariaDB's files are kept for the next deploy.
	stopServices(ctx, false, t.db, t.cache)
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

// standInCAPath is where a task finds the database stand-in's CA.
const standInCAPath = "/etc/eventmall/rehearsal-db-ca.pem"

// taskContainer is a container run the way ECS runs c: its image, its
// environment, its secrets read from the emulator's Secrets Manager, its
// port, with the data tier's endpoints resolving to the stand-ins, the
// stand-in's CA trusted for the database (DB_TLS_CA) and the emulator's
// Secrets Manager as the application's (with throwaway credentials in
// place of the task role's).
func (a *Aws) taskContainer(ctx context.Context, c taskdef.Container, tier *dataStandIns) (*dagger.Container, error) {
	ctr := dag.Container().From(c.Image)
	for _, name := range c.EnvNames() {
		ctr = ctr.WithEnvVariable(name, c.Environment[name])
	}
	if strings.EqualFold(c.Environment["DB_TLS"], "verify") {
		ctr = ctr.WithNewFile(standInCAPath, tier.dbCA).WithEnvVariable("DB_TLS_CA", standInCAPath)
	}
	if a.EndpointURL != "" {
		id, key := make([]byte, 8), make([]byte, 20)
		_, _ = rand.Read(id)
		_, _ = rand.Read(key)
		ctr = ctr.WithEnvVariable("AWS_ENDPOINT_URL_SECRETS_MANAGER", a.EndpointURL).
			WithSecretVariable("AWS_ACCESS_KEY_ID", dag.SetSecret("rehearsal-task-role-id", "ASIA"+strings.ToUpper(hex.EncodeToString(id)))).
			WithSecretVariable("AWS_SECRET_ACCESS_KEY", dag.SetSecret("rehearsal-task-role-key", hex.EncodeToString(key)))
	}
	raws := map[string]string{}
	for _, name := range c.SecretNames() {
		ref := c.Secrets[name]
		raw, ok := raws[ref.SecretArn]
		if !ok {
			var err error
			if raw, err = a.secretString(ctx, ref.SecretArn); err != nil {
				return nil, fmt.Errorf("container %s, secret %s: %w", c.Name, name, err)
			}
			raws[ref.SecretArn] = raw
		}
		value := raw
		if ref.JSONKey != "" {
			var v map[string]string
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				return nil, fmt.Errorf("container %s, secret %s: %s is not a JSON object of strings", c.Name, name, ref.SecretArn)
			}
			if value, ok = v[ref.JSONKey]; !ok {
				return nil, fmt.Errorf("container %s, secret %s: %s has no key %q", c.Name, name, ref.SecretArn, ref.JSONKey)
			}
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
		WithFile("/srv/edge.mjs", a.Module.Source.File("ci/rehearsal/edge_standin.mjs")).
		WithServiceBinding("api", api).
		WithEnvVariable("API_ORIGIN", fmt.Sprintf("http://api:%d", apiPort)).
		WithEnvVariable("SITE_ORIGIN", site).
		WithEnvVariable("PORT", "8080").
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExposedPort(8080).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"node", "/srv/edge.mjs"}})
}
