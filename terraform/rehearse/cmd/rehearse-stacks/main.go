// Command rehearse-stacks runs `terraform validate` of every module and validate, plan, apply
// and a second plan of every stack (in the stack graph's order, outputs wired to inputs, local
// state in a temporary folder) through the offline AWS provider, for each schema version asked.
// Every line says which provider it ran against. Exit status 1 names the folder that failed.
//
//	go run ./terraform/rehearse/cmd/rehearse-stacks [-aws 5.82.0,6.47.0] [-outputs FILE]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/eventmall/eventmall/terraform/rehearse"
)

func main() {
	versions := flag.String("aws", "5.82.0,6.47.0", "hashicorp/aws schema versions to run against (comma-separated)")
	root := flag.String("root", ".", "repository root")
	env := flag.String("environment", "rehearsal", "environment name")
	region := flag.String("region", "us-east-1", "AWS region")
	outputsFile := flag.String("outputs", "", "write each stack's `terraform output -json` (of the last version) here")
	keep := flag.Bool("keep", false, "keep the work folders")
	contract := flag.String("contract", "", "write the stacks' contract (inputs from the graph, output types from terraform output -json) to this file")
	fromOutputs := flag.String("from-outputs", "", "skip the run: take the outputs of a previous run's -outputs file (for -contract)")
	checkContract := flag.String("check-contract", "", "fail if this contract file differs from what the run produces")
	flag.Parse()
	ctx := context.Background()
	absRoot, _ := filepath.Abs(*root)
	tf := os.Getenv("TERRAFORM_BINARY")
	if tf == "" {
		tf, _ = exec.LookPath("terraform")
	}
	if tf == "" {
		fail("no terraform binary (TERRAFORM_BINARY or PATH)")
	}
	g, err := rehearse.LoadGraph(absRoot)
	if err != nil {
		fail(err.Error())
	}
	modules, _ := filepath.Glob(filepath.Join(absRoot, "terraform/modules/*/main.tf"))
	sort.Strings(modules)
	last := map[string]map[string]rehearse.Output{}
	lastVersion := ""
	runVersions := strings.Split(*versions, ",")
	if *fromOutputs != "" {
		b, err := os.ReadFile(*fromOutputs)
		if err != nil || json.Unmarshal(b, &last) != nil {
			fail("reading " + *fromOutputs)
		}
		lastVersion, runVersions = runVersions[len(runVersions)-1], nil
	}
	for _, v := range runVersions {
		t0 := time.Now()
		rc, err := rehearse.Install(ctx, absRoot, v)
		if err != nil {
			fail(err.Error())
		}
		work, err := os.MkdirTemp("", "eventmall-rehearse-"+v+"-")
		if err != nil {
			fail(err.Error())
		}
		o := rehearse.Options{Root: absRoot, Terraform: tf, CLIConfig: rc, Version: v, Work: work,
			Environment: *env, Region: *region, Log: os.Stdout}
		for _, m := range modules {
			rel, _ := filepath.Rel(filepath.Join(absRoot, "terraform"), filepath.Dir(m))
			warnings, err := o.Validate(ctx, rel)
			if err != nil {
				fail(o.Label() + ": " + err.Error())
			}
			fmt.Printf("%s: terraform validate terraform/%s ok%s\n", o.Label(), rel, warned(warnings))
		}
		results, err := o.RunStacks(ctx, g)
		if err != nil {
			fail(o.Label() + ": " + err.Error())
		}
		for _, r := range results {
			if r.Replan != (rehearse.Counts{}) {
				fail(fmt.Sprintf("%s: stack %s plans %s right after its apply (want +0 ~0 -0)", o.Label(), r.Name, r.Replan))
			}
			if len(r.Warnings) > 0 {
				fmt.Printf("%s: stack %s validate warnings:%s\n", o.Label(), r.Name, warned(r.Warnings))
			}
			last[r.Name] = r.Outputs
		}
		lastVersion = v
		fmt.Printf("%s: %d modules validated, %d stacks planned, applied and re-planned +0 ~0 -0 in %.1f s\n",
			o.Label(), len(modules), len(results), time.Since(t0).Seconds())
		if !*keep {
			os.RemoveAll(work)
		}
	}
	if *contract != "" || *checkContract != "" {
		want, err := rehearse.Contract(absRoot, g, last, lastVersion)
		if err != nil {
			fail(err.Error())
		}
		if *contract != "" {
			if err := os.WriteFile(*contract, want, 0o644); err != nil {
				fail(err.Error())
			}
			fmt.Printf("wrote %s\n", *contract)
		}
		if *checkContract != "" {
			got, _ := os.ReadFile(filepath.Join(absRoot, *checkContract))
			if string(got) != string(want) {
				fail(fmt.Sprintf("%s is stale (its inputs, wiring or output types changed); run %s", *checkContract, rehearse.ContractCommand))
			}
			fmt.Printf("%s matches the graph, the stacks and terraform output -json (offline provider (schema of hashicorp/aws %s))\n", *checkContract, lastVersion)
		}
	}
	if *outputsFile != "" {
		b, _ := json.MarshalIndent(last, "", "  ")
		if err := os.WriteFile(*outputsFile, b, 0o644); err != nil {
			fail(err.Error())
		}
	}
}

func warned(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	return " (" + fmt.Sprint(len(ws)) + " warnings: " + strings.Join(ws, "; ") + ")"
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "FAILED:", msg)
	os.Exit(1)
}
