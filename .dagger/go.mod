module dagger/eventmall

go 1.24.0

require (
	github.com/hashicorp/terraform-json v0.29.0
	github.com/slack-go/slack v0.17.3
	golang.org/x/sync v0.17.0
)

require (
	github.com/apparentlymart/go-textseg/v15 v15.0.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/hashicorp/go-version v1.9.0 // indirect
	github.com/stretchr/testify v1.11.1 // indirect
	github.com/zclconf/go-cty v1.16.4 // indirect
	golang.org/x/text v0.29.0 // indirect
)
