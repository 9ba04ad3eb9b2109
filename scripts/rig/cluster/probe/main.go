// A small network tool for the rig's toolbox image, since Debian's static busybox crashes in wget and nslookup:
//
//	probe serve ADDR TEXT   answers every HTTP request with 200 and TEXT
//	probe get URL           prints the body; exit 1 on a connection error or a status >= 400
//	probe dns NAME          prints NAME's IPv4 addresses; exit 1 when it does not resolve
//	probe dial HOST:PORT    exit 0 when a TCP connection opens within 3 s, 1 otherwise
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: probe serve ADDR TEXT | get URL | dns NAME | dial HOST:PORT")
	}
	arg := os.Args[2]
	switch os.Args[1] {
	case "serve":
		text := "ok"
		if len(os.Args) > 3 {
			text = os.Args[3]
		}
		err := http.ListenAndServe(arg, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, text)
		}))
		fail(err.Error())
	case "get":
		client := http.Client{Timeout: 5 * time.Second}
		res, err := client.Get(arg)
		if err != nil {
			fail(err.Error())
		}
		defer res.Body.Close()
		io.Copy(os.Stdout, res.Body)
		if res.StatusCode >= 400 {
			fail(res.Status)
		}
	case "dns":
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupIP(ctx, "ip4", arg)
		if err != nil {
			fail(err.Error())
		}
		for _, a := range addrs {
			fmt.Println(a)
		}
	case "dial":
		conn, err := net.DialTimeout("tcp", arg, 3*time.Second)
		if err != nil {
			fail(err.Error())
		}
		conn.Close()
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "probe:", msg)
	os.Exit(1)
}
