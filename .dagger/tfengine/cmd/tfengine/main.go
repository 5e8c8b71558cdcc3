// Command tfengine prints the pinned engine (.dagger/tfengine/engine.json)
// for shell scripts, so they read the one pin instead of restating it:
//
//	go run ./.dagger/tfengine/cmd/tfengine binary        # tofu
//	go run ./.dagger/tfengine/cmd/tfengine version       # 1.12.6
//	go run ./.dagger/tfengine/cmd/tfengine label         # OpenTofu v1.12.6
//	go run ./.dagger/tfengine/cmd/tfengine image         # eventmall-airgap/opentofu:1.12.6
//	go run ./.dagger/tfengine/cmd/tfengine script OUT    # sh script building it into OUT
package main

import (
	"fmt"
	"os"

	"dagger/eventmall/tfengine"
)

func main() {
	e := tfengine.Pinned()
	args := os.Args[1:]
	switch {
	case len(args) == 1 && args[0] == "binary":
		fmt.Println(e.Binary())
	case len(args) == 1 && args[0] == "version":
		fmt.Println(e.Version)
	case len(args) == 1 && args[0] == "label":
		fmt.Println(e.Label())
	case len(args) == 1 && args[0] == "image":
		fmt.Println(e.Image())
	case len(args) == 2 && args[0] == "script":
		fmt.Print(e.BuildScript(args[1]))
	default:
		fmt.Fprintln(os.Stderr, "usage: tfengine binary|version|label|image|script OUT")
		os.Exit(2)
	}
}
