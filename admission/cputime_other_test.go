//go:build !unix

package admission

func cpuSeconds() float64 { return 0 }
