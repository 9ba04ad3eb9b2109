module stratus.local/rig/pause

go 1.26.0
