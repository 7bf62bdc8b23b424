// Command pricewatch is the pricewatch job: see `pricewatch help`.
package main

import (
	"os"

	"pricewatch/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
