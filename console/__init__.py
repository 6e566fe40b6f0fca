"""The Textual operator console; it speaks only to the control socket."""
