module stratus.local/rig/probe

go 1.26.0
