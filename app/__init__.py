"""Streamlit studio components and helpers — built by the studio issue."""
