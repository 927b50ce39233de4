"""Placeholder while the page is built."""
import streamlit as st

from ui import state

filters = state.sidebar_filters()
state.page_header("page_import", filters)
