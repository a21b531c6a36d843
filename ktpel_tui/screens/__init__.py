"""The screens of the ktpel app."""
