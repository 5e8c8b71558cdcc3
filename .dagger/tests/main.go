// Tests are the eventmall module's behaviour tests: each calls the module's
// API as a user's module would (`dag.Eventmall()`) and reads its typed
// results field by field. Run one with
// `dagger call -m .dagger/tests rehearsal`; ci/module-test.sh runs them.
package main

// Tests holds the behaviour tests of the eventmall module.
type Tests struct{}
