package main

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/bcrypt"
)

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

type passwordModel struct {
	ID              types.String `tfsdk:"id"`
	Keepers         types.Map    `tfsdk:"keepers"`
	Length          types.Int64  `tfsdk:"length"`
	Lower           types.Bool   `tfsdk:"lower"`
	MinLower        types.Int64  `tfsdk:"min_lower"`
	MinNumeric      types.Int64  `tfsdk:"min_numeric"`
	MinSpecial      types.Int64  `tfsdk:"min_special"`
	MinUpper        types.Int64  `tfsdk:"min_upper"`
	Number          types.Bool   `tfsdk:"number"`
	Numeric         types.Bool   `tfsdk:"numeric"`
	OverrideSpecial types.String `tfsdk:"override_special"`
	Special         types.Bool   `tfsdk:"special"`
	Upper           types.Bool   `tfsdk:"upper"`
	Result          types.String `tfsdk:"result"`
	BcryptHash      types.String `tfsdk:"bcrypt_hash"`
}

type passwordResource struct{}

func newPasswordResource() resource.Resource { return &passwordResource{} }

func (r *passwordResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password"
}

func flag(description string) schema.BoolAttribute {
	return schema.BoolAttribute{
		Description:   description,
		Optional:      true,
		Computed:      true,
		Default:       booldefault.StaticBool(true),
		PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
	}
}

func minimum(description string) schema.Int64Attribute {
	return schema.Int64Attribute{
		Description:   description,
		Optional:      true,
		Computed:      true,
		Default:       int64default.StaticInt64(0),
		PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
	}
}

func (r *passwordResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A random password, kept in state and marked sensitive.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"keepers": schema.MapAttribute{
				Description:   "Values that force a new password when they change.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"length": schema.Int64Attribute{
				Description:   "The length of the password.",
				Required:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"lower":       flag("Include lowercase letters."),
			"upper":       flag("Include uppercase letters."),
			"numeric":     flag("Include digits."),
			"number":      flag("Include digits (deprecated name of numeric)."),
			"special":     flag("Include special characters."),
			"min_lower":   minimum("Minimum count of lowercase letters."),
			"min_upper":   minimum("Minimum count of uppercase letters."),
			"min_numeric": minimum("Minimum count of digits."),
			"min_special": minimum("Minimum count of special characters."),
			"override_special": schema.StringAttribute{
				Description:   "The special characters to use instead of the default set.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"result": schema.StringAttribute{
				Description:   "The generated password.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"bcrypt_hash": schema.StringAttribute{
				Description:   "A bcrypt hash of the generated password.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, err
	}
	return chars[n.Int64()], nil
}

func generate(m passwordModel) (string, error) {
	special := specialChars
	if !m.OverrideSpecial.IsNull() {
		special = m.OverrideSpecial.ValueString()
	}
	classes := []struct {
		on    bool
		chars string
		min   int64
	}{
		{m.Lower.ValueBool(), lowerChars, m.MinLower.ValueInt64()},
		{m.Upper.ValueBool(), upperChars, m.MinUpper.ValueInt64()},
		{m.Numeric.ValueBool() && m.Number.ValueBool(), numericChars, m.MinNumeric.ValueInt64()},
		{m.Special.ValueBool(), special, m.MinSpecial.ValueInt64()},
	}
	var out []byte
	pool := ""
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		pool += c.chars
		for i := int64(0); i < c.min; i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if pool == "" {
		return "", errors.New("at least one character class must be enabled")
	}
	for int64(len(out)) < m.Length.ValueInt64() {
		b, err := pick(pool)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func (r *passwordResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m passwordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	password, err := generate(m)
	if err != nil {
		resp.Diagnostics.AddError("Cannot generate a password", err.Error())
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		resp.Diagnostics.AddError("Cannot hash the password", err.Error())
		return
	}
	m.ID = types.StringValue("none")
	m.Result = types.StringValue(password)
	m.BcryptHash = types.StringValue(string(hash))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *passwordResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *passwordResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m passwordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *passwordResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
