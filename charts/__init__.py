"""Chart builders: pure functions from frames to Plotly figures. No Streamlit here."""
