package sessions

// tailCache holds the newest message records of an open transcript, so the
// prompt history of an active conversation is served from memory instead of
// being re-parsed from disk every turn. It lives on the transcript handle and
// goes with it when the handle cache evicts it; its size is capped by the
// encoded bytes of the records it holds.
type tailCache struct {
	recs     []Record // chronological; message records only
	sizes    []int    // encoded size of each record
	bytes    int
	users    int  // user messages in recs
	complete bool // recs hold every message of the transcript
}

// lastTurns returns the messages of the last n user turns when the cache can
// answer; n <= 0 asks for the whole conversation.
func (c *tailCache) lastTurns(n int) ([]Message, bool) {
	if !c.complete && (n <= 0 || c.users < n) {
		return nil, false
	}
	start := 0
	if n > 0 {
		users := 0
		for i := len(c.recs) - 1; i >= 0; i-- {
			if c.recs[i].Message.Role == RoleUser {
				if users++; users == n {
					start = i
					break
				}
			}
		}
	}
	msgs := make([]Message, len(c.recs)-start)
	for i := range msgs {
		msgs[i] = *c.recs[start+i].Message
	}
	return msgs, true
}

// reset replaces the cache with recs (chronological).
func (c *tailCache) reset(recs []Record, sizes []int, complete bool, budget int) {
	*c = tailCache{complete: complete}
	c.add(recs, sizes, budget)
}

// add appends records, dropping the oldest beyond budget bytes.
func (c *tailCache) add(recs []Record, sizes []int, budget int) {
	if budget <= 0 {
		*c = tailCache{}
		return
	}
	for i, r := range recs {
		if r.Type != RecordMessage || r.Message == nil {
			continue
		}
		m := *r.Message
		m.Content = append(Content(nil), m.Content...) // callers keep their slices
		r.Message = &m
		c.recs = append(c.recs, r)
		c.sizes = append(c.sizes, sizes[i])
		c.bytes += sizes[i]
		if m.Role == RoleUser {
			c.users++
		}
	}
	drop := 0
	for drop < len(c.recs) && c.bytes > budget {
		c.bytes -= c.sizes[drop]
		if c.recs[drop].Message.Role == RoleUser {
			c.users--
		}
		drop++
	}
	if drop > 0 {
		c.complete = false
		// Reslice rather than copy; append reallocates (copying only the
		// live records) when the backing array runs out.
		clear(c.recs[:drop])
		c.recs = c.recs[drop:]
		c.sizes = c.sizes[drop:]
	}
}
