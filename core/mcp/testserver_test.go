package mcp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// serverEnvVar makes the test binary act as a stdio MCP server, so the
// stdio path (process group, crash, restart) is tested without Node.
const serverEnvVar = "OPENCLAW_MCP_TEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnvVar) == "1" {
		if err := newTestServer(true).Run(context.Background(), &sdk.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, "test server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type echoIn struct {
	Text string `json:"text" jsonschema:"the text to send back"`
}

type none struct{}

// tinyPNG is a 1x1 transparent PNG.
var tinyPNG = []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89}

// newTestServer is a small MCP server exercising every content kind the
// client maps. stdio adds the tools that only make sense in a process of
// its own.
func newTestServer(stdio bool) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "testserver", Version: "1.0.0"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "Echo the text back."}, func(_ context.Context, _ *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "echo: " + in.Text}}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "picture", Description: "Return a tiny picture."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{
			&sdk.TextContent{Text: "here it is"},
			&sdk.ImageContent{MIMEType: "image/png", Data: tinyPNG},
		}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "fail", Description: "Always fails."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: "disk on fire"}}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "weather", Description: "Structured output."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, struct {
		City string  `json:"city"`
		Temp float64 `json:"temp"`
	}, error) {
		return nil, struct {
			City string  `json:"city"`
			Temp float64 `json:"temp"`
		}{"Oslo", -3.5}, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "admin_reset", Description: "Hidden by filters in tests."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "reset"}}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "grow", Description: "Add a tool named late."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		sdk.AddTool(s, &sdk.Tool{Name: "late", Description: "Added at run time."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "late tool ran"}}}, nil, nil
		})
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "grown"}}}, nil, nil
	})
	if !stdio {
		return s
	}
	sdk.AddTool(s, &sdk.Tool{Name: "pid", Description: "The server's pid and an env value."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		text := fmt.Sprintf("%d %s|%s", os.Getpid(), os.Getenv("MCP_TEST_VALUE"), os.Getenv("NODE_OPTIONS"))
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "spawn", Description: "Start a long-lived child and return its pid."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		cmd := exec.Command("sleep", "300")
		if err := cmd.Start(); err != nil {
			return nil, nil, err
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: strconv.Itoa(cmd.Process.Pid)}}}, nil, nil
	})
	sdk.AddTool(s, &sdk.Tool{Name: "crash", Description: "Exit at once."}, func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
		os.Exit(3)
		return nil, nil, nil
	})
	return s
}
