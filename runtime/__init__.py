"""Runtime verification of generated backends: build, boot and test them live, contained."""
