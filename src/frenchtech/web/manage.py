"""Django management for the platform: ``python -m frenchtech.web.manage <command>`` (migrate,
createsuperuser, remind_reviews, ...), with the web settings by default."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frenchtech.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
