// Command etcd is the upstream etcd server, built from the go.etcd.io/etcd/server/v3
// module. The upstream binary's main (module go.etcd.io/etcd/v3, not a library)
// is just this call.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
