package reports

import (
	"errors"
	"io"
)

var errNoHTML = errors.New("reports: the HTML report is not built yet")

// WriteRunHTML renders a load run as one self-contained HTML page.
func WriteRunHTML(io.Writer, *Run) error { return errNoHTML }

// WriteCheckHTML renders a conformance run as one self-contained HTML page.
func WriteCheckHTML(io.Writer, *Check) error { return errNoHTML }
