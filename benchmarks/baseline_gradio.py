"""Baseline: the smallest Gradio app (a text box and a button), launched like the frontend."""

from __future__ import annotations

import os

import gradio as gr


def main() -> None:
    with gr.Blocks() as demo:
        question = gr.Textbox(label="Question")
        answer = gr.Textbox(label="Answer")
        gr.Button("Ask").click(lambda text: text, question, answer)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]))


if __name__ == "__main__":
    main()
