package refserver

// appFaultSetters are the faults of the open-webui layer added for the
// conformance suite's app cases (each names the ID it breaks); they are
// passed to webui.Faults by appFaults in app.go.
var appFaultSetters = map[string]func(f *Faults, arg string) error{}
