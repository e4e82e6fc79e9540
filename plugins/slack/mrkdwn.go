package main

import (
	"regexp"
	"strings"
)

// Slack does not render Markdown; it has its own "mrkdwn". These rules
// translate what models write most: emphasis, links, headings, lists and
// strike-through. Code keeps its content untouched apart from the escaping
// Slack requires everywhere.
var (
	mdLink       = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)`)
	mdBoldStars  = regexp.MustCompile(`\*\*([^*\n]+?)\*\*`)
	mdBoldUnders = regexp.MustCompile(`__([^_\n]+?)__`)
	mdItalic     = regexp.MustCompile(`(^|[^*\w])\*([^*\s][^*\n]*?)\*([^*\w]|$)`)
	mdStrike     = regexp.MustCompile(`~~([^~\n]+?)~~`)
	mdHeading    = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$`)
	mdBullet     = regexp.MustCompile(`(?m)^([ \t]*)[-*+][ \t]+`)
	mdInlineCode = regexp.MustCompile("`[^`\n]+`")
	mdQuote      = regexp.MustCompile(`(?m)^&gt;( |$)`)
)

// boldMark stands in for a bold asterisk while single-asterisk italics are
// rewritten, so the two cannot be confused.
const boldMark = "\x00"

// markdownToMrkdwn converts Markdown to Slack mrkdwn.
func markdownToMrkdwn(md string) string {
	md = escapeSlack(md)
	var out strings.Builder
	for i, part := range strings.Split(md, "```") {
		if i%2 == 1 {
			// Inside a fence: drop the language tag, keep the code.
			if nl := strings.IndexByte(part, '\n'); nl >= 0 && !strings.ContainsAny(part[:nl], " \t") {
				part = part[nl+1:]
			}
			out.WriteString("```" + part + "```")
			continue
		}
		out.WriteString(convertProse(part))
	}
	return out.String()
}

// convertProse converts text outside fenced code, leaving inline code as
// it is.
func convertProse(s string) string {
	var out strings.Builder
	last := 0
	for _, loc := range mdInlineCode.FindAllStringIndex(s, -1) {
		out.WriteString(convertInline(s[last:loc[0]]))
		out.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	out.WriteString(convertInline(s[last:]))
	return out.String()
}

func convertInline(s string) string {
	s = mdQuote.ReplaceAllString(s, ">$1")
	s = mdHeading.ReplaceAllString(s, boldMark+"$1"+boldMark)
	s = mdBullet.ReplaceAllString(s, "$1• ")
	s = mdBoldStars.ReplaceAllString(s, boldMark+"$1"+boldMark)
	s = mdBoldUnders.ReplaceAllString(s, boldMark+"$1"+boldMark)
	s = mdItalic.ReplaceAllString(s, "${1}_${2}_${3}")
	s = mdStrike.ReplaceAllString(s, "~$1~")
	s = mdLink.ReplaceAllString(s, "<$2|$1>")
	return strings.ReplaceAll(s, boldMark, "*")
}

// escapeSlack escapes the three characters Slack treats as markup.
func escapeSlack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
