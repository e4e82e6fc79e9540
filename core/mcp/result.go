package mcp

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/openclaw-go/openclaw/core/tools"
)

// toResult turns an MCP tool result into what the model reads: text blocks
// joined, images and audio as media (with a marker in the text so the
// model knows they are there), resources by URI, structured content as
// JSON when the server sent no text.
func toResult(res *sdk.CallToolResult) tools.Result {
	out := tools.Result{IsError: res.IsError}
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			parts = append(parts, c.Text)
		case *sdk.ImageContent:
			out.Media = append(out.Media, tools.Media{Kind: "image", MimeType: c.MIMEType, Data: c.Data, FileName: mediaName("image", c.MIMEType, len(out.Media))})
			parts = append(parts, fmt.Sprintf("[image %s attached]", c.MIMEType))
		case *sdk.AudioContent:
			out.Media = append(out.Media, tools.Media{Kind: "audio", MimeType: c.MIMEType, Data: c.Data, FileName: mediaName("audio", c.MIMEType, len(out.Media))})
			parts = append(parts, fmt.Sprintf("[audio %s attached]", c.MIMEType))
		case *sdk.ResourceLink:
			line := "[resource " + c.URI
			if c.Name != "" {
				line += " " + c.Name
			}
			if c.Description != "" {
				line += ": " + c.Description
			}
			parts = append(parts, line+"]")
		case *sdk.EmbeddedResource:
			if c.Resource == nil {
				continue
			}
			r := c.Resource
			switch {
			case r.Text != "":
				parts = append(parts, fmt.Sprintf("[resource %s]\n%s", r.URI, r.Text))
			case len(r.Blob) > 0:
				out.Media = append(out.Media, tools.Media{Kind: kindOf(r.MIMEType), MimeType: r.MIMEType, Data: r.Blob, FileName: path.Base(r.URI)})
				parts = append(parts, fmt.Sprintf("[resource %s (%s, %d bytes) attached]", r.URI, r.MIMEType, len(r.Blob)))
			default:
				parts = append(parts, fmt.Sprintf("[resource %s]", r.URI))
			}
		}
	}
	if res.StructuredContent != nil {
		if data, err := json.Marshal(res.StructuredContent); err == nil {
			out.Details = data
			if len(parts) == 0 {
				parts = append(parts, string(data))
			}
		}
	}
	out.Content = strings.Join(parts, "\n")
	if out.Content == "" && out.IsError {
		out.Content = "The tool reported an error without a message."
	}
	return out
}

// kindOf classifies a MIME type as a media kind.
func kindOf(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return "image"
	case strings.HasPrefix(mime, "audio/"):
		return "audio"
	case strings.HasPrefix(mime, "video/"):
		return "video"
	}
	return "document"
}

func mediaName(kind, mime string, i int) string {
	ext := ""
	if _, sub, ok := strings.Cut(mime, "/"); ok {
		ext = "." + strings.TrimSuffix(strings.SplitN(sub, "+", 2)[0], ";")
	}
	return fmt.Sprintf("%s-%d%s", kind, i+1, ext)
}
