package main

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

type randomProvider struct{}

func newProvider() provider.Provider { return &randomProvider{} }

func (p *randomProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "random"
}

func (p *randomProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (p *randomProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *randomProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newPasswordResource}
}

func (p *randomProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
