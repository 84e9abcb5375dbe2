// Package drills holds the fault drills of production mode: three real
// `parley serve` processes on loopback ports sharing a private PostgreSQL and
// Redis, clients spread across them sending a steady stream, and one fault
// per drill — a node killed, Redis restarted, PostgreSQL restarted, a node
// drained. Each drill checks that every acknowledged message reached every
// member exactly once, in seq order; push_test.go kills a node while Web
// Push notifications are queued and checks each message is notified once.
// The tests live in drills_test.go; they
// need initdb/pg_ctl and redis-server on the machine (CI=true fails without
// them; locally they skip).
package drills
