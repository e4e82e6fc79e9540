package pluginsdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// SDKVersion is reported to the gateway in GetMetadata.
const SDKVersion = "0.1.0"

// Plugin is everything a plugin binary serves. Set the members for the kinds
// it implements; leave the others nil.
type Plugin struct {
	// Manifest is the plugin's openclaw.plugin.json, usually embedded with
	// go:embed so the binary and its manifest cannot drift apart unnoticed.
	Manifest []byte
	// ChannelInfo describes each channel the plugin provides.
	ChannelInfo []ChannelInfo

	Channel Channel
	Tools   ToolProvider
	Skills  SkillProvider

	// Configure is called with the plugin's config before any account
	// starts, and again when the config changes. Optional.
	Configure func(ctx context.Context, cfg Config) error
	// Health reports a problem that makes the plugin unable to work.
	// Optional; nil means healthy.
	Health func(ctx context.Context) error
}

// described is a Plugin with its manifest parsed and checked.
type described struct {
	Plugin
	manifest *manifest.Manifest
	kinds    []string
}

func describe(p Plugin) (*described, error) {
	if len(p.Manifest) == 0 {
		return nil, errors.New("pluginsdk: Plugin.Manifest is empty (embed openclaw.plugin.json)")
	}
	m, err := manifest.Parse(p.Manifest)
	if err != nil {
		return nil, fmt.Errorf("pluginsdk: %w", err)
	}
	d := &described{Plugin: p, manifest: m}
	if p.Channel != nil {
		d.kinds = append(d.kinds, manifest.KindChannel)
	}
	if p.Tools != nil {
		d.kinds = append(d.kinds, manifest.KindTool)
	}
	if p.Skills != nil {
		d.kinds = append(d.kinds, manifest.KindSkill)
	}
	if len(d.kinds) == 0 {
		return nil, errors.New("pluginsdk: the plugin implements no kind (set Channel, Tools or Skills)")
	}
	for _, k := range d.kinds {
		if !m.HasKind(k) {
			return nil, fmt.Errorf("pluginsdk: the plugin implements %q but its manifest does not declare it", k)
		}
	}
	for _, k := range m.Kinds {
		if !contains(d.kinds, k) {
			return nil, fmt.Errorf("pluginsdk: the manifest declares %q but the plugin does not implement it", k)
		}
	}
	if p.Channel != nil {
		for _, ch := range m.Channels {
			if !d.hasChannelInfo(ch) {
				d.ChannelInfo = append(d.ChannelInfo, ChannelInfo{ID: ch, Label: ch})
			}
		}
	}
	return d, nil
}

func (d *described) hasChannelInfo(id string) bool {
	for _, ci := range d.ChannelInfo {
		if ci.ID == id {
			return true
		}
	}
	return false
}

func (d *described) configSchema() string {
	if len(d.manifest.ConfigSchema) == 0 {
		return ""
	}
	return string(d.manifest.ConfigSchema)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DecodeConfig decodes raw config JSON into v. Unknown keys are allowed:
// the gateway has already validated the section against the manifest's
// schema, and it carries keys the core reads (access policy, chunking).
func DecodeConfig(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode plugin config: %w", err)
	}
	return nil
}
