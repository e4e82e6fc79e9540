package registry

import (
	"context"
	"sort"
	"strings"

	"github.com/openclaw-go/openclaw/registry/index"
)

// SearchResult is one package matching a search.
type SearchResult struct {
	index.RootEntry
	Registry string
}

// Search lists packages whose name, id or description contains term (case
// insensitive; empty matches all) across all registries, first registry
// winning for a name. Registries that cannot be read are reported in errs
// while the others still answer.
func (in *Installer) Search(ctx context.Context, term, kind string) ([]SearchResult, []error) {
	roots, errs := in.client.Roots(ctx)
	term = strings.ToLower(term)
	seen := map[string]bool{}
	var out []SearchResult
	for _, r := range roots {
		for _, p := range r.Root.Packages {
			if seen[p.Name] || (kind != "" && p.Kind != kind) {
				continue
			}
			hay := strings.ToLower(p.Name + " " + p.ID + " " + p.Description)
			if term != "" && !strings.Contains(hay, term) {
				continue
			}
			seen[p.Name] = true
			out = append(out, SearchResult{RootEntry: p, Registry: r.Registry})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errs
}
