package telegram

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseHTML turns a message in Telegram's HTML parse mode into its plain
// text and entities, rejecting what Telegram rejects: tags it does not
// support, unbalanced tags and bare '<' or '&'. The error text follows
// Telegram's "can't parse entities" descriptions.
func parseHTML(s string) (string, []MessageEntity, error) {
	var (
		text     strings.Builder
		entities []MessageEntity
		stack    []openTag
		units    int // UTF-16 length of text so far
	)
	write := func(str string) {
		text.WriteString(str)
		units += utf16Len(str)
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			raw := s[i+1 : i+end]
			if strings.HasPrefix(raw, "/") {
				name := strings.ToLower(strings.TrimSpace(raw[1:]))
				if len(stack) == 0 {
					return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.tag {
					return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.tag, name)
				}
				stack = stack[:len(stack)-1]
				e := top.entity
				e.Length = units - e.Offset
				if e.Type != "" && e.Length > 0 {
					entities = append(entities, e)
				}
			} else {
				name, attrs, err := parseTag(raw)
				if err != nil {
					return "", nil, fmt.Errorf("%v at byte offset %d", err, i)
				}
				e, err := entityFor(name, attrs)
				if err != nil {
					return "", nil, fmt.Errorf("%v at byte offset %d", err, i)
				}
				if name == "code" && len(stack) > 0 && stack[len(stack)-1].tag == "pre" {
					// <pre><code class="language-x"> names the pre block's
					// language; the code tag adds no entity of its own.
					stack[len(stack)-1].entity.Language = strings.TrimPrefix(attrs["class"], "language-")
					e = MessageEntity{}
				}
				e.Offset = units
				stack = append(stack, openTag{tag: name, entity: e})
			}
			i += end + 1
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || end > 10 {
				return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", i)
			}
			r, ok := htmlEntity(s[i+1 : i+end])
			if !ok {
				return "", nil, fmt.Errorf("Unsupported HTML entity \"%s\" at byte offset %d", s[i:i+end+1], i)
			}
			write(string(r))
			i += end + 1
		case '>':
			// Telegram tolerates a bare '>' in text.
			write(">")
			i++
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			write(s[i : i+size])
			i += size
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].tag)
	}
	return text.String(), entities, nil
}

// openTag is a start tag waiting for its end tag.
type openTag struct {
	tag    string
	entity MessageEntity
}

func parseTag(raw string) (string, map[string]string, error) {
	raw = strings.TrimSuffix(strings.TrimSpace(raw), "/")
	name, rest, _ := strings.Cut(raw, " ")
	name = strings.ToLower(name)
	attrs := map[string]string{}
	rest = strings.TrimSpace(rest)
	for rest != "" {
		key, after, hasValue := strings.Cut(rest, "=")
		if !hasValue {
			attrs[strings.ToLower(strings.TrimSpace(key))] = ""
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		after = strings.TrimSpace(after)
		var value string
		if after != "" && (after[0] == '"' || after[0] == '\'') {
			q := after[0]
			end := strings.IndexByte(after[1:], q)
			if end < 0 {
				return "", nil, fmt.Errorf("Unclosed attribute value")
			}
			value, rest = after[1:1+end], strings.TrimSpace(after[2+end:])
		} else {
			value, rest, _ = strings.Cut(after, " ")
			rest = strings.TrimSpace(rest)
		}
		attrs[key] = unescapeAttr(value)
	}
	return name, attrs, nil
}

func unescapeAttr(v string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&amp;", "&")
	return r.Replace(v)
}

func entityFor(tag string, attrs map[string]string) (MessageEntity, error) {
	switch tag {
	case "b", "strong":
		return MessageEntity{Type: "bold"}, nil
	case "i", "em":
		return MessageEntity{Type: "italic"}, nil
	case "u", "ins":
		return MessageEntity{Type: "underline"}, nil
	case "s", "strike", "del":
		return MessageEntity{Type: "strikethrough"}, nil
	case "tg-spoiler":
		return MessageEntity{Type: "spoiler"}, nil
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return MessageEntity{}, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\"")
		}
		return MessageEntity{Type: "spoiler"}, nil
	case "a":
		href, ok := attrs["href"]
		if !ok || href == "" {
			return MessageEntity{}, fmt.Errorf("Tag \"a\" must have attribute \"href\"")
		}
		return MessageEntity{Type: "text_link", URL: href}, nil
	case "code":
		return MessageEntity{Type: "code"}, nil
	case "pre":
		return MessageEntity{Type: "pre"}, nil
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			return MessageEntity{Type: "expandable_blockquote"}, nil
		}
		return MessageEntity{Type: "blockquote"}, nil
	case "tg-emoji":
		return MessageEntity{Type: "custom_emoji"}, nil
	}
	return MessageEntity{}, fmt.Errorf("Unsupported start tag \"%s\"", tag)
}

func htmlEntity(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	}
	if strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X") {
		n, err := strconv.ParseInt(name[2:], 16, 32)
		return rune(n), err == nil && utf8.ValidRune(rune(n))
	}
	if strings.HasPrefix(name, "#") {
		n, err := strconv.ParseInt(name[1:], 10, 32)
		return rune(n), err == nil && utf8.ValidRune(rune(n))
	}
	return 0, false
}

// utf16Len is a string's length as Telegram counts it: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// ParseHTML applies Telegram's HTML parse mode to s and returns the plain
// text, or the "can't parse entities" reason Telegram would give.
func ParseHTML(s string) (string, error) {
	text, _, err := parseHTML(s)
	return text, err
}
