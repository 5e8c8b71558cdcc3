// Command stand-in-aliases writes into each module folder given the stand-in provider blocks
// (rehearse_aliases.tf) its configuration aliases need to be validated alone, as its caller
// would pass them. Validation only: never run it in a folder that is applied.
//
//	go run ./terraform/rehearse/cmd/stand-in-aliases terraform/modules/edge ...
package main

import (
	"fmt"
	"os"

	"github.com/eventmall/eventmall/terraform/rehearse"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: stand-in-aliases MODULE_DIR...")
		os.Exit(2)
	}
	if err := rehearse.StandInAliases(os.Args[1:]...); err != nil {
		fmt.Fprintln(os.Stderr, "stand-in-aliases:", err)
		os.Exit(1)
	}
}
