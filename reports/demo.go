package reports

import (
	"html/template"
	"io"
	"time"
)

// Demo is what stampede demo ran, for its index page: a line per part
// (the conformance check, each scenario run, the capacity search) with its
// verdict and links to its reports.
type Demo struct {
	Server  string // the URL of the embedded refserver
	Start   time.Time
	End     time.Time
	Command string
	Parts   []DemoPart
}

// DemoPart is one part of the demo.
type DemoPart struct {
	Name    string
	What    string // what it does, for people
	Verdict string // pass, fail, or error
	Summary string // the result in a few words
	Links   []Link
}

// Link is one report of a part, relative to the index.
type Link struct {
	Text, Href string
}

type demoPage struct {
	D        *Demo
	CSS      template.CSS
	Verdict  string
	Started  string
	Duration string
}

// WriteDemoIndex renders the demo's index: one self-contained page (like
// the other reports) linking every report the demo wrote.
func WriteDemoIndex(w io.Writer, d *Demo) error {
	page := demoPage{D: d, CSS: template.CSS(htmlAsset("report.css")), Verdict: "pass",
		Started: d.Start.UTC().Format(time.RFC3339), Duration: d.End.Sub(d.Start).Round(time.Second).String()}
	for _, p := range d.Parts {
		if p.Verdict != "pass" {
			page.Verdict = "fail"
		}
	}
	return htmlTemplates.ExecuteTemplate(w, "demo.html.tmpl", page)
}
