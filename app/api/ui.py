"""The WebUI page. Its script and styles are static files (served by Nginx in production)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.api.context import get_service
from app.audio.prosody import EMOTIONS

bp = Blueprint("ui", __name__)

EXAMPLES = (
    "今天天气很好，我们去公园散步吧。",
    "欢迎使用华音中文语音合成服务，祝您生活愉快！",
    "会议定于2024年5月1日下午3:30开始，请准时参加。",
    "这件衣服打八折以后只要¥199.50，真是太划算了！",
    "你怎么又迟到了？我已经等了你整整40分钟！",
)


@bp.get("/")
def index() -> str:
    settings = get_service().settings
    return render_template(
        "index.html",
        emotions=list(EMOTIONS.values()),
        examples=EXAMPLES,
        max_chars=settings.max_text_chars,
        auth_required=bool(settings.api_key_list),
    )
