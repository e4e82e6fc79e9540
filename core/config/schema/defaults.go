package schema

// ApplyDefaults fills absent keys that have defaults, in place, and returns
// the (possibly new) value. It descends only into objects that exist or are
// marked Always, so an unconfigured channel does not spring into existence.
// Call it on a document that validated; values of the wrong type are left
// alone.
func (n *Node) ApplyDefaults(v any) any {
	if n == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		for _, key := range n.order {
			child := n.Properties[key]
			cur, present := x[key]
			switch {
			case present:
				x[key] = child.ApplyDefaults(cur)
			case child.Default != nil:
				x[key] = deepCopy(child.Default)
			case child.Always && child.Type == TypeObject:
				x[key] = child.ApplyDefaults(map[string]any{})
			}
		}
		if n.Additional != nil {
			for key, cur := range x {
				if _, known := n.Properties[key]; !known {
					x[key] = n.Additional.ApplyDefaults(cur)
				}
			}
		}
		return x
	case []any:
		if n.Items != nil {
			for i := range x {
				x[i] = n.Items.ApplyDefaults(x[i])
			}
		}
		return x
	}
	return v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	case []string:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = e
		}
		return s
	case int:
		return float64(x)
	}
	return v
}
