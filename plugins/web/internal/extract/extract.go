// Package extract turns an HTML page into its readable main text, as
// Markdown or plain text. It is a compact take on the Readability approach:
// strip what is never content (scripts, navigation, footers, asides, ads),
// score the remaining blocks by how much prose they hold and how few links,
// take the best one with the siblings that look like part of it, and render
// headings, links, lists, quotes, code and tables.
package extract

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Mode is the output format.
type Mode int

// Output formats.
const (
	Markdown Mode = iota
	Text
)

// Result is an extracted page.
type Result struct {
	Title string
	Text  string
	// Extractor names the method used: "readability" for main-content
	// extraction, "html" for the whole cleaned page.
	Extractor string
}

// Options tune extraction.
type Options struct {
	Mode Mode
	// Base resolves relative links and images.
	Base *url.URL
	// Readability picks the main content; off renders the whole cleaned
	// body.
	Readability bool
}

// HTML extracts r, which must be UTF-8.
func HTML(r io.Reader, opt Options) (Result, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return Result{}, fmt.Errorf("parse HTML: %w", err)
	}
	res := Result{Title: title(doc), Extractor: "html"}
	body := find(doc, atom.Body)
	if body == nil {
		body = doc
	}
	clean(body, opt.Readability)
	root := []*html.Node{body}
	if opt.Readability {
		if picked := mainContent(body); len(picked) > 0 {
			root, res.Extractor = picked, "readability"
		}
	}
	rd := renderer{mode: opt.Mode, base: opt.Base}
	var blocks []string
	for _, n := range root {
		blocks = append(blocks, rd.blocks(n)...)
	}
	res.Text = strings.Join(blocks, "\n\n")
	if res.Extractor == "readability" && res.Title != "" && opt.Mode == Markdown && !strings.HasPrefix(res.Text, "# ") {
		// Readability keeps the page title separately; lead with it so the
		// Markdown reads as a document.
		res.Text = strings.TrimSpace("# " + res.Title + "\n\n" + res.Text)
	}
	return res, nil
}

func find(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, a); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// title is the page's <title>, else its og:title, else its first <h1>.
func title(doc *html.Node) string {
	if t := find(doc, atom.Title); t != nil {
		if s := collapse(textOf(t)); s != "" {
			return s
		}
	}
	var og string
	walk(doc, func(n *html.Node) bool {
		if n.DataAtom == atom.Meta && (attr(n, "property") == "og:title" || attr(n, "name") == "og:title") {
			og = collapse(attr(n, "content"))
			return false
		}
		return og == ""
	})
	if og != "" {
		return og
	}
	if h := find(doc, atom.H1); h != nil {
		return collapse(textOf(h))
	}
	return ""
}

// walk visits element nodes depth first while fn returns true.
func walk(n *html.Node, fn func(*html.Node) bool) bool {
	if n.Type == html.ElementNode && !fn(n) {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !walk(c, fn) {
			return false
		}
	}
	return true
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

var spaces = regexp.MustCompile(`[\s\x{00a0}]+`)

func collapse(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// never are elements that are not readable content on any page.
var never = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Canvas: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Link: true,
	atom.Meta: true, atom.Button: true, atom.Input: true, atom.Select: true, atom.Textarea: true,
	atom.Form: true, atom.Dialog: true,
}

// chrome are page furniture around the content.
var chrome = map[atom.Atom]bool{atom.Nav: true, atom.Footer: true, atom.Aside: true}

var (
	unlikely = regexp.MustCompile(`(?i)-ad-|ad-break|advert|agegate|banner|breadcrumb|combx|comment|community|cookie|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|modal|newsletter|pager|pagination|popup|promo|related|remark|replies|rss|share|shoutbox|sidebar|skyscraper|social|sponsor|subscribe|supplemental|tags|toolbar|widget`)
	likely   = regexp.MustCompile(`(?i)and|article|body|column|content|main|post|shadow|story|text|entry`)
	positive = regexp.MustCompile(`(?i)article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story`)
	negative = regexp.MustCompile(`(?i)-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget`)
)

// clean removes non-content in place. With readability, page chrome and
// blocks whose class or id say they are not content go too.
func clean(root *html.Node, readability bool) {
	var rec func(n *html.Node, inArticle bool)
	rec = func(n *html.Node, inArticle bool) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch c.Type {
			case html.CommentNode:
				n.RemoveChild(c)
			case html.ElementNode:
				if drop(c, readability, inArticle) {
					n.RemoveChild(c)
				} else {
					rec(c, inArticle || c.DataAtom == atom.Article || c.DataAtom == atom.Main)
				}
			}
			c = next
		}
	}
	rec(root, false)
}

func drop(n *html.Node, readability, inArticle bool) bool {
	if never[n.DataAtom] || attr(n, "hidden") != "" || hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return true
	}
	if style := strings.ReplaceAll(strings.ToLower(attr(n, "style")), " ", ""); strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden") {
		return true
	}
	if !readability {
		return false
	}
	if chrome[n.DataAtom] {
		return true
	}
	switch attr(n, "role") {
	case "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert":
		return true
	}
	if n.DataAtom == atom.Header && !inArticle {
		return true
	}
	switch n.DataAtom {
	case atom.Body, atom.Html, atom.Article, atom.Main, atom.A, atom.Table, atom.Tbody, atom.Tr, atom.Td, atom.Th, atom.Pre, atom.Code:
		return false
	}
	match := attr(n, "class") + " " + attr(n, "id")
	return unlikely.MatchString(match) && !likely.MatchString(match)
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// mainContent scores blocks of prose and returns the best candidate with
// the siblings that belong with it.
func mainContent(body *html.Node) []*html.Node {
	scores := map[*html.Node]float64{}
	var order []*html.Node
	credit := func(n *html.Node, s float64) {
		if n == nil || n.Type != html.ElementNode {
			return
		}
		if _, ok := scores[n]; !ok {
			scores[n] = baseScore(n)
			order = append(order, n)
		}
		scores[n] += s
	}
	walk(body, func(n *html.Node) bool {
		if !scorable(n) {
			return true
		}
		text := collapse(textOf(n))
		if len(text) < 25 {
			return true
		}
		s := 1 + float64(strings.Count(text, ",")) + math.Min(float64(len(text))/100, 3)
		p := n.Parent
		for level := 0; p != nil && level < 3; level++ {
			credit(p, s/float64(max(1, level*2)))
			if p == body {
				break
			}
			p = p.Parent
		}
		return true
	})
	var top *html.Node
	best := 0.0
	for _, n := range order {
		s := scores[n] * (1 - linkDensity(n))
		scores[n] = s
		if top == nil || s > best {
			top, best = n, s
		}
	}
	if top == nil {
		return nil
	}
	parent := top.Parent
	if parent == nil || top == body {
		return []*html.Node{top}
	}
	threshold := math.Max(10, best*0.2)
	var picked []*html.Node
	for s := parent.FirstChild; s != nil; s = s.NextSibling {
		if s.Type != html.ElementNode {
			continue
		}
		if s == top {
			picked = append(picked, s)
			continue
		}
		bonus := 0.0
		if c := attr(top, "class"); c != "" && attr(s, "class") == c {
			bonus = best * 0.2
		}
		if sc, ok := scores[s]; ok && sc+bonus >= threshold {
			picked = append(picked, s)
			continue
		}
		if s.DataAtom == atom.P {
			text := collapse(textOf(s))
			ld := linkDensity(s)
			if (len(text) > 80 && ld < 0.25) || (len(text) > 0 && ld == 0 && strings.ContainsAny(text, ".!?")) {
				picked = append(picked, s)
			}
		}
	}
	return picked
}

// scorable are the blocks whose text is scored: paragraphs, and divs that
// hold only inline content, which pages often use as paragraphs.
func scorable(n *html.Node) bool {
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Td, atom.Blockquote, atom.Li:
		return true
	case atom.Div, atom.Section:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && isBlock(c) {
				return false
			}
		}
		return true
	}
	return false
}

func baseScore(n *html.Node) float64 {
	s := 0.0
	switch n.DataAtom {
	case atom.Article, atom.Main:
		s = 10
	case atom.Div, atom.Section:
		s = 5
	case atom.Pre, atom.Td, atom.Blockquote:
		s = 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		s = -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		s = -5
	}
	for _, v := range []string{attr(n, "class"), attr(n, "id")} {
		if v == "" {
			continue
		}
		if negative.MatchString(v) {
			s -= 25
		}
		if positive.MatchString(v) {
			s += 25
		}
	}
	return s
}

// linkDensity is the share of n's text that sits inside links.
func linkDensity(n *html.Node) float64 {
	total := len(collapse(textOf(n)))
	if total == 0 {
		return 0
	}
	links := 0
	walk(n, func(c *html.Node) bool {
		if c.DataAtom == atom.A {
			links += len(collapse(textOf(c)))
			return true
		}
		return true
	})
	// Nested anchors are not valid HTML; a parser never produces them, so
	// counting every anchor does not double count.
	return math.Min(1, float64(links)/float64(total))
}

var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Details: true,
	atom.Dd: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true, atom.Li: true,
	atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true,
	atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Ul: true, atom.Body: true, atom.Html: true,
}

func isBlock(n *html.Node) bool { return n.Type == html.ElementNode && blocks[n.DataAtom] }

// render helpers below write Markdown or text.

type renderer struct {
	mode Mode
	base *url.URL
}

// blocks renders n as a list of blocks (paragraphs, headings, lists, …).
func (r renderer) blocks(n *html.Node) []string {
	if n.Type == html.TextNode {
		if s := collapse(n.Data); s != "" {
			return []string{s}
		}
		return nil
	}
	if n.Type != html.ElementNode && n.Type != html.DocumentNode {
		return nil
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		text := collapse(r.inline(n))
		if text == "" {
			return nil
		}
		if r.mode == Markdown {
			level := int(n.Data[1] - '0')
			return []string{strings.Repeat("#", level) + " " + text}
		}
		return []string{text}
	case atom.P, atom.Dt, atom.Dd, atom.Figcaption, atom.Summary, atom.Address:
		if hasBlockChild(n) {
			return r.container(n)
		}
		if s := r.paragraph(n); s != "" {
			return []string{s}
		}
		return nil
	case atom.Ul, atom.Ol:
		if s := r.list(n, 0); s != "" {
			return []string{s}
		}
		return nil
	case atom.Pre:
		code := strings.Trim(textOf(n), "\n")
		if strings.TrimSpace(code) == "" {
			return nil
		}
		if r.mode == Text {
			return []string{code}
		}
		lang := ""
		if c := find(n, atom.Code); c != nil {
			for _, cls := range strings.Fields(attr(c, "class")) {
				if l, ok := strings.CutPrefix(cls, "language-"); ok {
					lang = l
				}
			}
		}
		fence := "```"
		for strings.Contains(code, fence) {
			fence += "`"
		}
		return []string{fence + lang + "\n" + code + "\n" + fence}
	case atom.Blockquote:
		inner := strings.Join(r.container(n), "\n\n")
		if inner == "" {
			return nil
		}
		if r.mode == Text {
			return []string{inner}
		}
		lines := strings.Split(inner, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight("> "+l, " ")
		}
		return []string{strings.Join(lines, "\n")}
	case atom.Hr:
		if r.mode == Markdown {
			return []string{"---"}
		}
		return nil
	case atom.Table:
		if s := r.table(n); s != "" {
			return []string{s}
		}
		return nil
	case atom.Img:
		if s := r.image(n); s != "" {
			return []string{s}
		}
		return nil
	case atom.Br:
		return nil
	}
	if !isBlock(n) && n.Type == html.ElementNode && !hasBlockChild(n) {
		if s := r.paragraph(n); s != "" {
			return []string{s}
		}
		return nil
	}
	return r.container(n)
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isBlock(c) || (c.Type == html.ElementNode && hasBlockChild(c) && !isInlineOnly(c)) {
			return true
		}
	}
	return false
}

// isInlineOnly are inline elements whose block descendants, if any, the
// renderer flattens anyway.
func isInlineOnly(n *html.Node) bool {
	switch n.DataAtom {
	case atom.A, atom.Strong, atom.B, atom.Em, atom.I, atom.Code, atom.Span:
		return true
	}
	return false
}

// container renders children: runs of inline content become paragraphs,
// block children render as blocks.
func (r renderer) container(n *html.Node) []string {
	var out []string
	var run bytes.Buffer
	flush := func() {
		if s := collapseInline(run.String()); s != "" {
			out = append(out, s)
		}
		run.Reset()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (isBlock(c) || hasBlockChild(c)) {
			flush()
			out = append(out, r.blocks(c)...)
			continue
		}
		run.WriteString(r.inline(c))
	}
	flush()
	return out
}

func (r renderer) paragraph(n *html.Node) string { return collapseInline(r.inline(n)) }

// collapseInline collapses whitespace but keeps the line breaks <br> made.
func collapseInline(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = collapse(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// inline renders n's content as one run of text.
func (r renderer) inline(n *html.Node) string {
	if n.Type == html.TextNode {
		return spaces.ReplaceAllString(n.Data, " ")
	}
	if n.Type != html.ElementNode {
		return ""
	}
	inner := func() string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(r.inline(c))
		}
		return b.String()
	}
	switch n.DataAtom {
	case atom.Br:
		return "\n"
	case atom.Img:
		return r.image(n)
	case atom.A:
		in := inner()
		text := collapse(in)
		href := r.resolve(attr(n, "href"))
		if r.mode == Text || text == "" || href == "" {
			return in
		}
		return keepSpace(in, "["+text+"]("+href+")")
	case atom.Strong, atom.B:
		if in := inner(); collapse(in) != "" && r.mode == Markdown {
			return keepSpace(in, "**"+collapse(in)+"**")
		}
	case atom.Em, atom.I:
		if in := inner(); collapse(in) != "" && r.mode == Markdown {
			return keepSpace(in, "_"+collapse(in)+"_")
		}
	case atom.Code, atom.Kbd, atom.Samp:
		if in := textOf(n); collapse(in) != "" && r.mode == Markdown {
			t := collapse(in)
			tick := "`"
			for strings.Contains(t, tick) {
				tick += "`"
			}
			return keepSpace(in, tick+t+tick)
		}
	}
	if isBlock(n) {
		return " " + inner() + " "
	}
	return inner()
}

// keepSpace wraps marked-up text in the whitespace its source had at
// either end, so "the <a> docs </a>." keeps its spaces and gains none.
func keepSpace(src, marked string) string {
	if strings.TrimLeft(src, " \t\n\r\u00a0") != src {
		marked = " " + marked
	}
	if strings.TrimRight(src, " \t\n\r\u00a0") != src {
		marked += " "
	}
	return marked
}

func (r renderer) image(n *html.Node) string {
	if r.mode == Text {
		return ""
	}
	src := r.resolve(attr(n, "src"))
	if src == "" || strings.HasPrefix(src, "data:") {
		return ""
	}
	return "![" + collapse(attr(n, "alt")) + "](" + src + ")"
}

// resolve makes a link absolute; script and empty links resolve to "".
func (r renderer) resolve(href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	return u.String()
}

// list renders a ul or ol, nesting by indentation.
func (r renderer) list(n *html.Node, depth int) string {
	var lines []string
	i := 1
	for li := n.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.DataAtom != atom.Li {
			continue
		}
		marker := "- "
		if n.DataAtom == atom.Ol {
			marker = fmt.Sprintf("%d. ", i)
			i++
		}
		indent := strings.Repeat("  ", depth)
		var text bytes.Buffer
		var nested []string
		for c := li.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol) {
				if s := r.list(c, depth+1); s != "" {
					nested = append(nested, s)
				}
				continue
			}
			if c.Type == html.ElementNode && isBlock(c) {
				text.WriteString(" " + strings.Join(r.blocks(c), " ") + " ")
				continue
			}
			text.WriteString(r.inline(c))
		}
		item := collapse(text.String())
		if item == "" && len(nested) == 0 {
			continue
		}
		lines = append(lines, indent+marker+item)
		lines = append(lines, nested...)
	}
	return strings.Join(lines, "\n")
}

// table renders rows as pipe-separated cells; in Markdown the first row is
// the header.
func (r renderer) table(n *html.Node) string {
	var rows [][]string
	walk(n, func(c *html.Node) bool {
		if c.DataAtom == atom.Table && c != n {
			return false
		}
		if c.DataAtom != atom.Tr {
			return true
		}
		var cells []string
		for td := c.FirstChild; td != nil; td = td.NextSibling {
			if td.DataAtom == atom.Td || td.DataAtom == atom.Th {
				cells = append(cells, strings.ReplaceAll(collapse(r.inline(td)), "|", "\\|"))
			}
		}
		if len(cells) > 0 {
			rows = append(rows, cells)
		}
		return true
	})
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	for i, row := range rows {
		if r.mode == Text {
			b.WriteString(strings.Join(row, " | "))
			b.WriteString("\n")
			continue
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", len(row)) + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
