"""Customers (complainants): a person or an organisation."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.db.base import Base, Timestamps, UuidPk, Versioned


class Customer(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "customers"

    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), index=True)
    id_type: Mapped[str] = mapped_column(String(30), default="")
    id_number: Mapped[str] = mapped_column(String(64), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    phone2: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    contact_person: Mapped[str] = mapped_column(String(100), default="")
    anonymised: Mapped[bool] = mapped_column(default=False)
