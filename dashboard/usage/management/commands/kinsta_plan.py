"""Set a Kinsta account's plan: `manage.py kinsta_plan --visits 250000 --cdn-gb 200 --disk-gb 100 --monthly-price 340`.

Exit 0 when the plan is stored, 2 with a message for bad input (an unknown account, a negative number, a
billing day outside 1-31). Options left out keep the stored value, or Kinsta's published default for a new plan.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dashboard.usage.models import Plan, validate_currency
from kinsta_sync.models import KinstaAccount


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return number


def _money(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected an amount such as 340 or 0.10, not {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative amount: {value}")
    return amount


def _currency(value: str) -> str:
    code = value.strip().upper()
    try:
        validate_currency(code)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 4217 currency code such as USD or EUR, not {value!r}"
        ) from None
    return code


def _day(value: str) -> int:
    day = _count(value)
    if not 1 <= day <= 31:
        raise argparse.ArgumentTypeError(f"a billing day is 1 to 31, not {value}")
    return day


class Command(BaseCommand):
    help = "Store the plan of a Kinsta account: what it includes, what it costs, its overage prices."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--account", metavar="COMPANY_ID", help="the Kinsta company id (needed with several)")
        parser.add_argument("--name", default=None, help="the plan's name, e.g. 'Agency 20'")
        parser.add_argument("--visits", type=_count, required=True)
        parser.add_argument("--cdn-gb", type=_count, required=True)
        parser.add_argument("--disk-gb", type=_count, required=True)
        parser.add_argument("--bandwidth-gb", type=_count, default=None)
        parser.add_argument("--monthly-price", type=_money, required=True)
        parser.add_argument("--billing-day", type=_day, default=None)
        parser.add_argument("--currency", type=_currency, default=None, help="ISO 4217 code (USD by default)")
        parser.add_argument("--overage-visits-per-1000", type=_money, default=None)
        parser.add_argument("--overage-cdn-per-gb", type=_money, default=None)
        parser.add_argument("--overage-disk-per-gb", type=_money, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        account = self._account(options["account"])
        plan = Plan.objects.filter(account=account).first() or Plan(account=account)
        plan.included_visits = options["visits"]
        plan.included_cdn_gb = options["cdn_gb"]
        plan.included_disk_gb = options["disk_gb"]
        plan.included_bandwidth_gb = options["bandwidth_gb"]
        plan.monthly_price = options["monthly_price"]
        for option, attribute in (
            ("name", "name"),
            ("billing_day", "billing_day"),
            ("currency", "currency"),
            ("overage_visits_per_1000", "overage_visits_per_1000"),
            ("overage_cdn_per_gb", "overage_cdn_per_gb"),
            ("overage_disk_per_gb", "overage_disk_per_gb"),
        ):
            if options[option] is not None:
                setattr(plan, attribute, options[option])
        try:
            plan.full_clean()
        except Exception as error:  # a ValidationError: too many digits, for one
            raise CommandError(f"invalid plan: {error}", returncode=2) from error
        plan.save()
        self.stdout.write(
            f"Plan of {account.name} ({account.company_id}): {plan.included_visits} visits, "
            f"{plan.included_cdn_gb} GB CDN, {plan.included_disk_gb} GB disk, "
            f"{plan.monthly_price} {plan.currency} per month from day {plan.billing_day}."
        )

    def _account(self, company_id: str | None) -> KinstaAccount:
        if company_id:
            account = KinstaAccount.objects.filter(company_id=company_id).first()
            if account is None:
                raise CommandError(f"no Kinsta account with company id {company_id!r}", returncode=2)
            return account
        accounts = list(KinstaAccount.objects.all()[:2])
        if len(accounts) != 1:
            raise CommandError(
                "no Kinsta account is set up" if not accounts else "several Kinsta accounts: pass --account COMPANY_ID",
                returncode=2,
            )
        return accounts[0]
