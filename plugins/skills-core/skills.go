package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

//go:embed skills
var skillFiles embed.FS

// requiredTools are the tools each skill is useless without. The gateway
// keeps a skill out of the prompt while one of them is unavailable.
var requiredTools = map[string][]string{
	"summarize-url":  {"web_fetch"},
	"daily-notes":    {"daily_note"},
	"session-digest": {"sessions_list", "sessions_history"},
}

// bundle serves the skills embedded under skills/.
type bundle struct{}

func (bundle) Skills(context.Context) ([]pluginsdk.Skill, error) {
	return loadSkills(skillFiles)
}

// loadSkills reads every skills/<name>/ folder of fsys: SKILL.md and the
// files beside it.
func loadSkills(fsys fs.FS) ([]pluginsdk.Skill, error) {
	dirs, err := fs.ReadDir(fsys, "skills")
	if err != nil {
		return nil, fmt.Errorf("read embedded skills: %w", err)
	}
	var out []pluginsdk.Skill
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		root := path.Join("skills", d.Name())
		sk := pluginsdk.Skill{Name: d.Name(), Files: map[string][]byte{}, RequiredTools: requiredTools[d.Name()]}
		err := fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(p, root+"/")
			if rel == "SKILL.md" {
				sk.SkillMD = string(data)
			} else {
				sk.Files[rel] = data
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read skill %s: %w", d.Name(), err)
		}
		if sk.SkillMD == "" {
			return nil, fmt.Errorf("skill %s has no SKILL.md", d.Name())
		}
		out = append(out, sk)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
