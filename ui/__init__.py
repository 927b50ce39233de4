"""The Streamlit side: shared state (ui.state is the only module here that imports streamlit) and strings."""
