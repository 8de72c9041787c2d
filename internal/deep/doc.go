// Package deep runs deep work on behalf of goroutines that must stay
// shallow.
//
// A connection's read goroutine parks between messages for the life of the
// connection, and the Go runtime never shrinks a stack whose quarter is in
// use: if the loop ran the handlers itself (JSON, JWT, rooms, user code) it
// would keep the stack they grew, 8 KiB or more per idle connection, and
// every new connection would grow its own again. A Runner runs the handler
// on a small shared pool of goroutines, whose stacks have grown once, and
// waits for it, so that messages are still handled one at a time and in
// order while the caller stays shallow. Both ends of stampede use it: the
// refserver's sessions (refserver/engine) and the simulator's connections
// (internal/client).
package deep
