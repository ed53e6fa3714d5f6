"""The guided brain's flows: each takes a `Step`, changes the frame and adds to the reply."""
