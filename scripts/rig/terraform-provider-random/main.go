// Command terraform-provider-random serves the random_password resource of hashicorp/random for the
// offline test mirror. The Go module proxy serves no v3 release of hashicorp/terraform-provider-random
// (its tags lack the /v3 module suffix), so the rig builds this provider with the same resource schema
// instead; operators install the real provider from the public registry.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

func main() {
	err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/random",
	})
	if err != nil {
		log.Fatal(err)
	}
}
